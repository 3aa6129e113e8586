package io.pgrunbook.inventory;

import java.time.Duration;
import java.util.List;

/** How to reach a host over SSH. Paths are local to the operator's machine, with ~ already expanded. */
public record SshSettings(String user, int port, List<String> identities, String knownHosts, String jump,
                          Duration connectTimeout, Duration keepAlive, String agent) {
    /** Without an ssh-agent (agent: none, or no SSH_AUTH_SOCK). */
    public SshSettings(String user, int port, List<String> identities, String knownHosts, String jump,
                       Duration connectTimeout, Duration keepAlive) {
        this(user, port, identities, knownHosts, jump, connectTimeout, keepAlive, null);
    }
}
