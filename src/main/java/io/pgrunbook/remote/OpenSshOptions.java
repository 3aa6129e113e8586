package io.pgrunbook.remote;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.SshSettings;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The command line of the system {@code ssh} for one inventory host: what the inventory sets (and only that, so
 * ~/.ssh/config decides the rest: aliases, ProxyJump, certificates, agents), the safety options that are never left to
 * the site (batch mode, strict host keys), and connection multiplexing through a private control socket.
 */
public final class OpenSshOptions {
    /** Overrides where the control sockets live (tests, or a site whose runtime directory is too deep). */
    public static final String CONTROL_DIR_ENV = "PGRUNBOOK_SSH_CONTROL_DIR";
    /** sun_path is 108 bytes on Linux and 104 on the BSDs and macOS; ssh appends a random suffix while it binds. */
    static final int MAX_SOCKET_PATH = 104 - 21;

    private final String destination;
    private final List<String> mapped;
    private final Path controlPath;
    private final Duration persist;

    OpenSshOptions(String destination, List<String> mapped, Path controlPath, Duration persist) {
        this.destination = destination;
        this.mapped = List.copyOf(mapped);
        this.controlPath = controlPath;
        this.persist = persist;
    }

    /** The options for a host, its control socket in {@code controlDir} (already checked by {@link #controlDir}). */
    static OpenSshOptions of(Host host, Path controlDir) {
        List<String> mapped = mapped(host.ssh());
        Path socket = controlDir.resolve(socketName(host.address(), mapped));
        if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
            throw new TransportException(host.name(), "ssh control socket path " + socket + " is too long for a Unix"
                    + " socket; set " + CONTROL_DIR_ENV + " to a shorter directory (e.g. /tmp/pgrunbook-ssh)");
        }
        Duration persist = host.ssh().controlPersist() != null ? host.ssh().controlPersist()
                : SshSettings.DEFAULT_CONTROL_PERSIST;
        return new OpenSshOptions(host.address(), mapped, socket, persist);
    }

    /**
     * The inventory's ssh settings as {@code -o} options, each only when the inventory wrote it: ssh takes the first
     * value it sees, so anything passed here overrides ~/.ssh/config, and what is left out is the config's to decide.
     */
    static List<String> mapped(SshSettings ssh) {
        List<String> o = new ArrayList<>();
        if (ssh.isGiven("user") && ssh.user() != null) {
            o.add("User=" + value(ssh.user()));
        }
        if (ssh.isGiven("port")) {
            o.add("Port=" + ssh.port());
        }
        if (ssh.isGiven("identity") && ssh.identities() != null) {
            for (String id : ssh.identities()) {
                o.add("IdentityFile=" + value(id));
            }
        }
        if (ssh.isGiven("known_hosts") && ssh.knownHosts() != null) {
            o.add("UserKnownHostsFile=" + value(ssh.knownHosts()));
        }
        if (ssh.isGiven("jump") && ssh.jump() != null && !ssh.jump().isBlank()) {
            o.add("ProxyJump=" + value(ssh.jump()));
        }
        if (ssh.isGiven("connect_timeout") && ssh.connectTimeout() != null) {
            o.add("ConnectTimeout=" + seconds(ssh.connectTimeout()));
        }
        if (ssh.isGiven("keepalive") && ssh.keepAlive() != null) {
            o.add("ServerAliveInterval=" + (ssh.keepAlive().isZero() ? 0 : seconds(ssh.keepAlive())));
        }
        if (ssh.isGiven("agent")) {
            // SshSettings keeps a null agent for "none"
            o.add("IdentityAgent=" + (ssh.agent() == null ? "none" : value(ssh.agent())));
        }
        return o;
    }

    /** The argv before the destination: batch mode and strict host keys always, multiplexing, then the mapped options. */
    List<String> base() {
        List<String> argv = new ArrayList<>(List.of("ssh", "-T",
                // never a prompt (password, passphrase, "are you sure"): a run may be unattended
                "-o", "BatchMode=yes",
                // an unknown or changed host key stops the command, as with the built-in transport; never accept-new
                "-o", "StrictHostKeyChecking=yes",
                "-o", "ControlMaster=auto",
                "-o", "ControlPath=" + value(controlPath.toString()),
                // control_persist 0: the master is closed with the command (-O exit); 5 s only bounds one that a killed
                // pgrunbook left behind
                "-o", "ControlPersist=" + (persist.isZero() ? 5 : seconds(persist))));
        for (String m : mapped) {
            argv.add("-o");
            argv.add(m);
        }
        return argv;
    }

    /** ssh's argv for a remote command line. */
    List<String> command(String remoteLine) {
        List<String> argv = base();
        argv.add(destination);
        argv.add(remoteLine);
        return argv;
    }

    /** ssh's argv that joins its stdin and stdout to {@code host:port} as the remote host reaches it. */
    List<String> stdioForward(String host, int port) {
        List<String> argv = base();
        argv.add("-W");
        argv.add((host.contains(":") ? "[" + host + "]" : host) + ":" + port);
        argv.add(destination);
        return argv;
    }

    /** ssh's argv for a control command to the master ({@code check}, {@code exit}). */
    List<String> control(String op) {
        List<String> argv = base();
        argv.add("-O");
        argv.add(op);
        argv.add(destination);
        return argv;
    }

    /** {@code ssh -G}: the configuration ssh would use for this host, as "key value" lines; nothing is contacted. */
    List<String> effectiveConfig() {
        List<String> argv = base();
        argv.add(1, "-G");
        argv.add(destination);
        return argv;
    }

    Path controlPath() {
        return controlPath;
    }

    Duration persist() {
        return persist;
    }

    String destination() {
        return destination;
    }

    List<String> mapped() {
        return mapped;
    }

    /**
     * The directory of the control sockets: {@value #CONTROL_DIR_ENV}, else $XDG_RUNTIME_DIR/pgrunbook-ssh (a tmpfs of
     * this user's own), else ~/.cache/pgrunbook/ssh. Created 0700; refused when another user owns it or may enter it,
     * since whoever can reach a control socket can run commands on the host as the operator.
     */
    static Path controlDir(Map<String, String> env, String home) {
        Path dir;
        String own = env.get(CONTROL_DIR_ENV);
        String runtime = env.get("XDG_RUNTIME_DIR");
        if (own != null && !own.isBlank()) {
            dir = Path.of(own);
        } else if (runtime != null && !runtime.isBlank() && Files.isDirectory(Path.of(runtime))) {
            dir = Path.of(runtime, "pgrunbook-ssh");
        } else {
            dir = Path.of(home, ".cache", "pgrunbook", "ssh");
        }
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir.getParent());
                try {
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } catch (java.nio.file.FileAlreadyExistsException raced) {
                    // another pgrunbook made it meanwhile: checked below like any existing directory
                }
            }
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
            String owner = Files.getOwner(dir).getName();
            String me = System.getProperty("user.name");
            if (!owner.equals(me) || perms.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
                throw new IllegalStateException("ssh control socket directory " + dir + " is owned by " + owner + " with mode "
                        + PosixFilePermissions.toString(perms) + "; it must be " + me + "'s alone: "
                        + (own != null && !own.isBlank() ? "set " + CONTROL_DIR_ENV + " to a directory of your own with mode 700"
                        : "chmod 700 " + dir + " (or set " + CONTROL_DIR_ENV + ")"));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the ssh control socket directory " + dir + ": " + e.getMessage()
                    + "; set " + CONTROL_DIR_ENV + " to a directory of your own", e);
        }
        return dir;
    }

    /**
     * Our own short name instead of ssh's %C: it covers every option we pass (so two inventories with different
     * known_hosts or keys never share a master that skipped one of them's host key check), and pgrunbook can look for a
     * live master itself without starting a process.
     */
    static String socketName(String destination, List<String> mapped) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(destination.getBytes(StandardCharsets.UTF_8));
            for (String m : mapped) {
                d.update((byte) 0);
                d.update(m.getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(d.digest(), 0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long seconds(Duration d) {
        return Math.max(1, (d.toMillis() + 999) / 1000);
    }

    /** An option value as ssh's config parser reads it: quoted when it has white space (a path with a space). */
    static String value(String v) {
        return v.chars().anyMatch(Character::isWhitespace) ? "\"" + v.replace("\"", "") + "\"" : v;
    }
}
