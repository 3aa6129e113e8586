package io.pgrunbook.remote;

import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.userauth.keyprovider.KeyProvider;
import net.schmizz.sshj.userauth.password.PasswordFinder;
import net.schmizz.sshj.userauth.password.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.pgrunbook.remote.SshSupport.closeQuietly;

/** The keys a connection may authenticate with: the ssh-agent's and the identity files', loaded before connecting. */
final class SshKeys {
    private static final Logger LOG = LoggerFactory.getLogger("io.pgrunbook.remote");
    /** Where an encrypted private key's passphrase may come from (there is no prompt: runs may be unattended). */
    static final String PASSPHRASE_ENV = "PGRUNBOOK_SSH_PASSPHRASE";

    private SshKeys() {
    }

    private record LoadedKey(String file, KeyProvider provider) {
    }

    /**
     * The keys we can use: the ssh-agent's first (as OpenSSH tries them), then the identity files; and why the
     * others were skipped. The agent's connection lives until the host is authenticated.
     */
    record Keys(SshAgent agent, List<SshAgent.Identity> agentKeys, List<LoadedKey> usable, List<String> skipped)
            implements AutoCloseable {
        List<String> files() {
            return usable.stream().map(LoadedKey::file).toList();
        }

        List<net.schmizz.sshj.userauth.method.AuthMethod> methods() {
            List<net.schmizz.sshj.userauth.method.AuthMethod> m = new ArrayList<>();
            agentKeys.forEach(id -> m.add(new SshAgent.Auth(agent, id)));
            usable.forEach(k -> m.add(new net.schmizz.sshj.userauth.method.AuthPublickey(k.provider())));
            return m;
        }

        String describe() {
            List<String> parts = new ArrayList<>();
            if (!agentKeys.isEmpty()) {
                parts.add("the ssh-agent's keys " + agentKeys.stream().map(i -> i.type() + " " + i.comment()).toList());
            }
            if (!usable.isEmpty()) {
                parts.add("keys " + files());
            }
            return String.join(" and ", parts);
        }

        String skippedNote() {
            return skipped.isEmpty() ? "" : " (skipped: " + String.join("; ", skipped) + ")";
        }

        @Override
        public void close() {
            if (agent != null) {
                agent.close();
            }
        }
    }

    /**
     * Loads every identity file that exists, decrypting it now so that an encrypted key without a passphrase is a
     * clear error before any network traffic, not an obscure authentication failure later.
     */
    static Keys load(String name, List<String> identities, String agentSocket) {
        List<LoadedKey> keys = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        SshAgent agent = null;
        List<SshAgent.Identity> agentKeys = List.of();
        if (agentSocket != null) {
            try {
                agent = SshAgent.connect(agentSocket);
                agentKeys = agent.identities();
                if (agentKeys.isEmpty()) {
                    problems.add("the ssh-agent at " + agentSocket + " holds no key (ssh-add)");
                }
            } catch (IOException e) {
                problems.add(e.getMessage());
                if (agent != null) {
                    agent.close();
                    agent = null;
                }
                agentKeys = List.of();
            }
        }
        String passphrase = System.getenv(PASSPHRASE_ENV);
        SSHClient loader = new SSHClient(new DefaultConfig());
        for (String file : identities == null ? List.<String>of() : identities) {
            if (!Files.isRegularFile(Path.of(file))) {
                continue;
            }
            boolean[] asked = {false};
            PasswordFinder finder = new PasswordFinder() {
                @Override
                public char[] reqPassword(Resource<?> resource) {
                    asked[0] = true;
                    return passphrase != null ? passphrase.toCharArray() : null;
                }

                @Override
                public boolean shouldRetry(Resource<?> resource) {
                    return false;
                }
            };
            try {
                KeyProvider kp = loader.loadKeys(file, finder);
                kp.getPrivate();
                kp.getPublic();
                keys.add(new LoadedKey(file, kp));
            } catch (IOException | RuntimeException e) {
                if (asked[0] && passphrase == null) {
                    problems.add("encrypted key " + file + ": add it to your ssh-agent (ssh-add " + file + "), or set "
                            + PASSPHRASE_ENV);
                } else if (asked[0]) {
                    problems.add("encrypted key " + file + ": cannot decrypt it with " + PASSPHRASE_ENV
                            + " (wrong passphrase?)");
                } else {
                    problems.add("cannot read key " + file + ": " + e.getMessage());
                }
            }
        }
        closeQuietly(loader);
        if (keys.isEmpty() && agentKeys.isEmpty()) {
            if (agent != null) {
                agent.close();
            }
            throw new TransportException(name, problems.isEmpty()
                    ? "no SSH identity file found (looked for " + identities + ") and no ssh-agent (SSH_AUTH_SOCK)"
                    : String.join("; ", problems));
        }
        // a usable key remains: go on, like OpenSSH, but say what was skipped, here and in an auth failure
        problems.forEach(p -> LOG.warn("{}: skipping {}", name, p));
        return new Keys(agent, agentKeys, keys, problems);
    }
}
