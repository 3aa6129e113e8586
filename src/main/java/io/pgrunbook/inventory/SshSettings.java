package io.pgrunbook.inventory;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * How to reach a host over SSH. Paths are local to the operator's machine, with ~ already expanded.
 * {@code given}: the keys the inventory wrote (the rest are defaults), so the OpenSSH transport passes only those and
 * leaves the others to ~/.ssh/config; null when built in code (everything counts as given).
 * {@code controlPersist}: how long the OpenSSH transport's master connection outlives a command (ZERO: closed with it).
 */
public record SshSettings(String user, int port, List<String> identities, String knownHosts, String jump,
                          Duration connectTimeout, Duration keepAlive, String agent, @JsonIgnore Set<String> given,
                          @JsonIgnore Duration controlPersist) {
    public static final Duration DEFAULT_CONTROL_PERSIST = Duration.ofSeconds(60);

    public SshSettings(String user, int port, List<String> identities, String knownHosts, String jump,
                       Duration connectTimeout, Duration keepAlive, String agent) {
        this(user, port, identities, knownHosts, jump, connectTimeout, keepAlive, agent, null, DEFAULT_CONTROL_PERSIST);
    }

    /** Whether the inventory set this ssh key itself (its value is not a default). */
    public boolean isGiven(String key) {
        return given == null || given.contains(key);
    }

    /** Without an ssh-agent (agent: none, or no SSH_AUTH_SOCK). */
    public SshSettings(String user, int port, List<String> identities, String knownHosts, String jump,
                       Duration connectTimeout, Duration keepAlive) {
        this(user, port, identities, knownHosts, jump, connectTimeout, keepAlive, null);
    }
}
