package io.pgrunbook.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * An sshd for the lab, on loopback only, with its own host key, a throwaway client key authorized for one login
 * user, and a known_hosts file for the client.
 */
public final class LabSshd implements AutoCloseable {
    private static final String SSHD = "/usr/sbin/sshd";
    private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|[0-9a-fA-F:]+");

    private final Path dir;
    private final List<String> addresses;
    private final int port;

    private LabSshd(Path dir, List<String> addresses, int port) {
        this.dir = dir;
        this.addresses = addresses;
        this.port = port;
    }

    /** Generates keys under {@code dir} (once), writes sshd_config, starts sshd listening on each address:port. */
    public static LabSshd start(Path dir, List<String> listenAddresses, int port, String loginUser) {
        return start(dir, listenAddresses, port, loginUser, java.util.Map.of(), List.of());
    }

    /**
     * As {@link #start(Path, List, int, String)}, with {@code env} set in every session (sshd's SetEnv), as a site
     * sets PGPASSFILE for its DBAs; {@code alsoAllowed}: more users that may log in with the lab's client key (the
     * postgres user, for rsync between hosts).
     */
    public static LabSshd start(Path dir, List<String> listenAddresses, int port, String loginUser,
                                java.util.Map<String, String> env, List<String> alsoAllowed) {
        return start(dir, listenAddresses, port, loginUser, env, alsoAllowed, List.of());
    }

    /**
     * As {@link #start(Path, List, int, String, java.util.Map, List)}, with more sshd_config lines (a hardened
     * host's, e.g. "MaxSessions 2"); a keyword the lab writes itself keeps the lab's value (sshd takes the first).
     */
    public static LabSshd start(Path dir, List<String> listenAddresses, int port, String loginUser,
                                java.util.Map<String, String> env, List<String> alsoAllowed, List<String> extraConfig) {
        for (String line : extraConfig) {
            if (!line.matches("[A-Za-z]+ [^\\n\\r]+")) {
                throw new IllegalArgumentException("lab sshd: not an sshd_config line: '" + line + "'");
            }
        }
        if (listenAddresses == null || listenAddresses.isEmpty()) {
            throw new IllegalArgumentException("lab sshd: no listen address");
        }
        for (String a : listenAddresses) {
            if (!isLoopback(a)) {
                throw new IllegalArgumentException("lab sshd listens on loopback addresses only, not '" + a + "'");
            }
        }
        for (String u : concat(loginUser, alsoAllowed)) {
            if (!u.matches("[a-z_][a-z0-9_-]*")) {
                throw new IllegalArgumentException("lab sshd: odd login user name '" + u + "'");
            }
        }
        if (!Files.isExecutable(Path.of(SSHD))) {
            throw new IllegalStateException("lab sshd: " + SSHD + " not found (install openssh-server)");
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IllegalStateException("lab sshd: starting sshd needs root (it switches to the login user)");
        }
        Path d = dir.toAbsolutePath().normalize();
        if (d.toString().matches(".*[\\s\"'\\\\].*")) {
            throw new IllegalArgumentException("lab sshd: directory path must not contain spaces or quotes: " + d);
        }
        try {
            Files.createDirectories(d);
            // sshd reads authorized_keys as the login user: it must be able to traverse the directory, but not list it
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx--x--x"));
            LabSshd sshd = new LabSshd(d, List.copyOf(listenAddresses), port);
            sshd.generateKeys();
            sshd.writeConfig(String.join(" ", concat(loginUser, alsoAllowed)), env, extraConfig);
            sshd.writeKnownHosts();
            stop(d);
            unlockAccount(loginUser);
            Files.createDirectories(Path.of("/run/sshd"));
            checkLoginUserCanRead(d.resolve("authorized_keys"), loginUser);
            Result test = run(List.of(SSHD, "-t", "-f", sshd.config().toString()));
            if (test.code != 0) {
                throw new IllegalStateException("lab sshd: invalid config " + sshd.config() + ": " + test.output.strip());
            }
            Result started = run(List.of(SSHD, "-f", sshd.config().toString(), "-E", sshd.log().toString()));
            if (started.code != 0) {
                throw new IllegalStateException("lab sshd: sshd failed to start (exit " + started.code + "): "
                        + started.output.strip() + "; see " + sshd.log());
            }
            sshd.awaitListening();
            return sshd;
        } catch (IOException e) {
            throw new UncheckedIOException("lab sshd in " + d + ": " + e.getMessage(), e);
        }
    }

    /** Stops an sshd started earlier in {@code dir} (by its pid file); quiet when none runs. */
    public static void stop(Path dir) {
        Path pidFile = dir.toAbsolutePath().resolve("sshd.pid");
        long pid;
        try {
            if (!Files.exists(pidFile)) {
                return;
            }
            pid = Long.parseLong(Files.readString(pidFile).strip());
        } catch (IOException | NumberFormatException e) {
            return;
        }
        Optional<ProcessHandle> ph = ProcessHandle.of(pid);
        // the pid may have been reused since: only ever kill an sshd
        if (ph.isPresent() && ph.get().info().command().map(c -> c.endsWith("sshd")).orElse(false)) {
            ProcessHandle p = ph.get();
            // its connections too: a client's ControlPersist master (transport: openssh) would otherwise stay
            // logged in to the stopped lab for its persist time, and be reused by a new lab on the same address
            List<ProcessHandle> connections = p.descendants().toList();
            p.destroy();
            connections.forEach(ProcessHandle::destroy);
            try {
                p.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        }
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException ignored) {
            // sshd removes it itself on a clean exit
        }
    }

    public Path clientKey() {
        return dir.resolve("id_ed25519");
    }

    public Path knownHosts() {
        return dir.resolve("known_hosts");
    }

    /** sshd's own log (LogLevel VERBOSE): accepted keys, sessions, forwards. */
    public Path log() {
        return dir.resolve("sshd.log");
    }

    public Path config() {
        return dir.resolve("sshd_config");
    }

    public Path hostKey() {
        return dir.resolve("ssh_host_ed25519_key");
    }

    public int port() {
        return port;
    }

    public List<String> addresses() {
        return addresses;
    }

    @Override
    public void close() {
        stop(dir);
    }

    // ----------------------------------------------------------------

    private static boolean isLoopback(String address) {
        // literals only: a name would need DNS, and could resolve elsewhere tomorrow
        if (address == null || !IP_LITERAL.matcher(address).matches()) {
            return false;
        }
        try {
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }

    private void generateKeys() throws IOException {
        if (!Files.exists(hostKey())) {
            keygen(hostKey(), "pgrunbook-lab-host");
        }
        if (!Files.exists(clientKey())) {
            keygen(clientKey(), "pgrunbook-lab-client");
        }
        Files.setPosixFilePermissions(clientKey(), PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(hostKey(), PosixFilePermissions.fromString("rw-------"));
        Path authorized = dir.resolve("authorized_keys");
        Files.writeString(authorized, Files.readString(Path.of(clientKey() + ".pub")));
        Files.setPosixFilePermissions(authorized, PosixFilePermissions.fromString("rw-r--r--"));
    }

    private static void keygen(Path file, String comment) throws IOException {
        Result r = run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file.toString()));
        if (r.code != 0) {
            throw new IllegalStateException("lab sshd: ssh-keygen failed for " + file + ": " + r.output.strip());
        }
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(rest);
        return all;
    }

    /** {@code loginUsers}: one or more user names, separated by spaces. */
    private void writeConfig(String loginUsers, java.util.Map<String, String> env, List<String> extra)
            throws IOException {
        List<String> c = new ArrayList<>();
        c.add("# written by pgrunbook lab; regenerated on every start");
        for (String a : addresses) {
            c.add("ListenAddress " + (a.contains(":") ? "[" + a + "]" : a) + ":" + port);
        }
        c.add("HostKey " + hostKey());
        c.add("PidFile " + dir.resolve("sshd.pid"));
        c.add("AuthorizedKeysFile " + dir.resolve("authorized_keys"));
        c.add("PubkeyAuthentication yes");
        c.add("PasswordAuthentication no");
        c.add("KbdInteractiveAuthentication no");
        c.add("UsePAM no");
        // the lab directory belongs to the operator, not to the login user
        c.add("StrictModes no");
        c.add("AllowUsers " + loginUsers);
        c.add("PermitRootLogin " + (List.of(loginUsers.split(" ")).contains("root") ? "prohibit-password" : "no"));
        c.add("AllowTcpForwarding local");
        c.add("X11Forwarding no");
        c.add("PrintMotd no");
        c.add("UseDNS no");
        c.add("MaxStartups 100");
        c.add("LogLevel VERBOSE");
        // sshd takes the first SetEnv line only: every variable goes on one line
        StringBuilder setEnv = new StringBuilder("SetEnv");
        for (var e : new java.util.TreeMap<>(env).entrySet()) {
            if (!e.getKey().matches("[A-Z_][A-Z0-9_]*") || e.getValue().matches(".*[\"'\\\\].*")) {
                throw new IllegalArgumentException("lab sshd: odd session variable " + e.getKey());
            }
            setEnv.append(" \"").append(e.getKey()).append('=').append(e.getValue()).append('"');
        }
        if (!env.isEmpty()) {
            c.add(setEnv.toString());
        }
        c.addAll(extra);
        Files.writeString(config(), String.join("\n", c) + "\n");
    }

    private void writeKnownHosts() throws IOException {
        String[] pub = Files.readString(Path.of(hostKey() + ".pub")).strip().split("\\s+");
        List<String> lines = new ArrayList<>();
        for (String a : addresses) {
            String h = port == 22 ? a : "[" + a + "]:" + port;
            lines.add(h + " " + pub[0] + " " + pub[1]);
        }
        Files.writeString(knownHosts(), String.join("\n", lines) + "\n");
        Files.setPosixFilePermissions(knownHosts(), PosixFilePermissions.fromString("rw-------"));
    }

    /** Debian's postgres account is locked ('!'); sshd without PAM refuses locked accounts even for key logins. */
    private static void unlockAccount(String user) throws IOException {
        Result r = run(List.of("getent", "shadow", user));
        if (r.code != 0) {
            return;
        }
        String[] f = r.output.strip().split(":", -1);
        if (f.length > 1 && f[1].startsWith("!")) {
            Result u = run(List.of("usermod", "-p", "*", user));
            if (u.code != 0) {
                throw new IllegalStateException("lab sshd: cannot unlock account " + user + ": " + u.output.strip());
            }
        }
    }

    private static void checkLoginUserCanRead(Path file, String user) throws IOException {
        if ("root".equals(user)) {
            return;
        }
        Result r = run(List.of("runuser", "-u", user, "--", "test", "-r", file.toString()));
        if (r.code != 0) {
            throw new IllegalStateException("lab sshd: user " + user + " cannot read " + file
                    + "; every parent directory must be traversable by that user (o+x)");
        }
    }

    private void awaitListening() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (String a : addresses) {
            while (true) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(a, port), 200);
                    break;
                } catch (IOException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("lab sshd: not listening on " + a + ":" + port
                                + " after 10s; see " + log());
                    }
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted", ie);
                    }
                }
            }
        }
    }

    private record Result(int code, String output) {
    }

    private static Result run(List<String> argv) throws IOException {
        // output through a file, not a pipe: a daemon that forgets to close an inherited pipe would block the read
        Path out = Files.createTempFile("pgrunbook-lab-", ".out");
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            try {
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return new Result(-1, Files.readString(out) + " (timed out)");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
                return new Result(-1, Files.readString(out) + " (interrupted)");
            }
            return new Result(p.exitValue(), Files.readString(out));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
