package io.pgrunbook.it;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Role;
import io.pgrunbook.inventory.SshSettings;
import io.pgrunbook.lab.LabSshd;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.HostKeyException;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Shell;
import io.pgrunbook.remote.OpenSshTransport;
import io.pgrunbook.remote.SshTransport;
import io.pgrunbook.remote.Transport;
import io.pgrunbook.remote.TransportException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * SshTransport against a real sshd on 127.0.20.1 and 127.0.20.2, port 2222, logging in as postgres. The tests that take
 * a {@link Client} run over the system ssh too (transport: openssh): both must behave alike.
 */
class SshTransportIT {
    enum Client {
        SSHJ, OPENSSH;

        Transport connect(Host h) {
            return this == SSHJ ? SshTransport.connect(h) : OpenSshTransport.connect(h);
        }
    }

    /** On its own /24, moved with the labs by PGRUNBOOK_IT_NETS. */
    private static final String NET = LabFixture.relocate(LabNets.SSH_TRANSPORT.base()).replaceFirst("\\.\\d+$", "");
    private static final String A1 = NET + ".1";
    private static final String A2 = NET + ".2";
    private static final int PORT = 2222;
    private static final String USER = "postgres";

    private static Path dir;
    private static LabSshd sshd;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startSshd() throws IOException {
        String missing = null;
        if (!"root".equals(System.getProperty("user.name"))) {
            missing = "root (to start sshd)";
        } else if (!Files.isExecutable(Path.of("/usr/sbin/sshd"))) {
            missing = "/usr/sbin/sshd (openssh-server)";
        } else if (runQuiet("getent", "passwd", USER) != 0) {
            missing = "OS user " + USER;
        }
        if (missing != null) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true and the SSH lab needs " + missing);
            }
            Assumptions.abort("SSH lab needs " + missing);
        }
        // under /tmp: the login user must be able to traverse to authorized_keys
        dir = Files.createTempDirectory("pgrunbook-ssh-it-");
        sshd = LabSshd.start(dir, List.of(A1, A2), PORT, USER);
    }

    @AfterAll
    static void stopSshd() throws IOException {
        if (sshd != null) {
            sshd.close();
        }
        if (dir != null) {
            deleteTree(dir);
        }
    }

    /** A lab sshd's directory holds a private key that the lab authorizes for postgres: never leave it behind. */
    private static void deleteTree(Path root) throws IOException {
        try (var files = Files.walk(root)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static Host host(String address, int port, String knownHosts, List<String> keys, String jump,
                             Duration timeout) {
        return new Host("db1", address, Role.MASTER, Host.TransportKind.SSH,
                new SshSettings(USER, port, keys, knownHosts, jump, timeout, Duration.ofSeconds(15)),
                USER, null, null, null, null);
    }

    private static Host host(String address) {
        return host(address, PORT, sshd.knownHosts().toString(), List.of(sshd.clientKey().toString()), null,
                Duration.ofSeconds(5));
    }

    private static int runQuiet(String... argv) throws IOException {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static String run(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), () -> String.join(" ", argv) + ": " + out);
        return out;
    }

    private static long logCount(String needle) throws IOException {
        return Files.readAllLines(sshd.log()).stream().filter(l -> l.contains(needle)).count();
    }

    private static String hostFingerprint() throws Exception {
        // "256 SHA256:xxxx comment (ED25519)"
        return run("ssh-keygen", "-lf", sshd.hostKey() + ".pub").split("\\s+")[1];
    }

    // ------------------------------------------------------------------ exec

    @ParameterizedTest
    @EnumSource(Client.class)
    void exec_returns_stdout_stderr_and_exit_code_and_streams_lines(Client client) {
        List<ExecOptions.OutputLine> seen = new CopyOnWriteArrayList<>();
        try (Transport t = client.connect(host(A1))) {
            ExecResult r = t.exec(RemoteCommand.shell("echo out1; echo err1 >&2; echo out2; exit 3"),
                    ExecOptions.DEFAULT.withListener(seen::add));

            assertEquals(3, r.exitCode());
            assertFalse(r.ok());
            assertEquals("out1\nout2\n", r.stdout());
            assertEquals("err1\n", r.stderr());
            assertTrue(seen.contains(new ExecOptions.OutputLine("db1", false, "out1")), seen::toString);
            assertTrue(seen.contains(new ExecOptions.OutputLine("db1", true, "err1")), seen::toString);
            assertEquals(3, seen.size());

            ExecResult who = t.exec(RemoteCommand.of("id", "-un"));
            assertTrue(who.ok());
            assertEquals(USER + "\n", who.stdout());
        }
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void exec_sends_stdin_then_closes_it(Client client) {
        try (Transport t = client.connect(host(A1))) {
            ExecResult r = t.exec(RemoteCommand.of("cat").withStdin("line 1\nline 2\n".getBytes(StandardCharsets.UTF_8)));
            assertTrue(r.ok(), r::stderr);
            assertEquals("line 1\nline 2\n", r.stdout());

            // without stdin the command sees EOF at once instead of hanging
            ExecResult empty = t.exec(RemoteCommand.of("wc", "-c"), ExecOptions.timeout(Duration.ofSeconds(5)));
            assertEquals(0, empty.exitCode());
            assertEquals("0", empty.stdout().strip());
        }
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void exec_timeout_closes_the_channel_and_reports_no_exit_status(Client client) {
        try (Transport t = client.connect(host(A1))) {
            long start = System.nanoTime();
            ExecResult r = t.exec(RemoteCommand.of("sleep", "30"), ExecOptions.timeout(Duration.ofSeconds(1)));
            long ms = (System.nanoTime() - start) / 1_000_000;

            assertNull(r.exitCode());
            assertFalse(r.ok());
            assertTrue(r.stderr().contains("timed out after 1s"), r.stderr());
            assertTrue(ms < 5000, "took " + ms + " ms");
            // the connection is still good for the next command
            assertTrue(t.exec(RemoteCommand.of("true")).ok());
        }
    }

    @Test
    void command_killed_by_a_signal_has_no_exit_status_and_fails() {
        try (SshTransport t = SshTransport.connect(host(A1))) {
            ExecResult r = t.exec(RemoteCommand.shell("echo before; kill -KILL $$"));
            assertNull(r.exitCode());
            assertFalse(r.ok());
            assertEquals("before\n", r.stdout());
            assertTrue(r.stderr().contains("no exit status") && r.stderr().contains("KILL"), r.stderr());
        }
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void hostile_argument_arrives_intact_through_ssh_and_runs_nothing(Client client) throws Exception {
        Path pwned = Path.of("/tmp/pgrunbook-it-pwned-" + UUID.randomUUID());
        List<String> values = List.of(
                "/data; touch " + pwned,
                "$(touch " + pwned + ")",
                "`touch " + pwned + "`",
                "it's'; touch " + pwned + "; echo '",
                "x && touch " + pwned,
                "x\ntouch " + pwned,
                "\\'; touch " + pwned + " #");
        try (Transport t = client.connect(host(A1))) {
            for (String v : values) {
                ExecResult direct = t.exec(RemoteCommand.of("printf", "%s", v));
                assertTrue(direct.ok(), direct::stderr);
                assertEquals(v, direct.stdout().stripTrailing());

                // and once more inside a script that itself goes through sh -c
                ExecResult nested = t.exec(RemoteCommand.shell("printf '%s' " + Shell.quote(v)));
                assertTrue(nested.ok(), nested::stderr);
                assertEquals(v, nested.stdout().stripTrailing());
            }
        }
        assertFalse(Files.exists(pwned), "a hostile value ran a command on the host");
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void as_the_login_user_adds_no_sudo(Client client) {
        try (Transport t = client.connect(host(A1))) {
            // sudo would be the parent of sh; without it sh's parent is the session shell or sshd itself
            ExecResult r = t.exec(RemoteCommand.of("sh", "-c", "cat /proc/$PPID/comm; id -un").as(USER));
            assertTrue(r.ok(), r::stderr);
            assertFalse(r.stdout().contains("sudo"), r.stdout());
            assertTrue(r.stdout().endsWith(USER + "\n"), r.stdout());
        }
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void as_another_user_goes_through_non_interactive_sudo(Client client) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/sudo")), "sudo is not installed");
        try (Transport t = client.connect(host(A1))) {
            // postgres has no sudo rights here: sudo -n must fail at once instead of waiting for a password
            ExecResult r = t.exec(RemoteCommand.of("id", "-un").as("root"), ExecOptions.timeout(Duration.ofSeconds(10)));
            assertNotEquals(0, r.exitCode());
            assertTrue(r.stderr().contains("sudo"), r.stderr());
        }
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void one_connection_serves_many_concurrent_execs(Client client) throws Exception {
        long acceptedBefore = logCount("Accepted publickey");
        long sessionsBefore = logCount("Starting session");
        int n = 24;
        try (Transport t = client.connect(host(A1))) {
            ExecutorService pool = Executors.newFixedThreadPool(6);
            try {
                List<Future<ExecResult>> results = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    String word = "w" + i;
                    results.add(pool.submit(() -> t.exec(RemoteCommand.of("echo", word))));
                }
                for (int i = 0; i < n; i++) {
                    ExecResult r = results.get(i).get(30, TimeUnit.SECONDS);
                    assertTrue(r.ok(), r::stderr);
                    assertEquals("w" + i + "\n", r.stdout());
                }
            } finally {
                pool.shutdownNow();
            }
        }
        Thread.sleep(200); // sshd writes its log asynchronously to us
        long logins = logCount("Accepted publickey") - acceptedBefore;
        // openssh: an earlier test's master may still be up (no login at all); a new one ran "true" as it started
        assertEquals(client == Client.SSHJ ? 1 : Math.min(logins, 1), logins, "more than one SSH connection was made");
        assertEquals(sessionsBefore + n + (client == Client.OPENSSH ? logins : 0), logCount("Starting session"));
    }

    /**
     * A hardened host's sshd (MaxSessions 2): 24 commands from 6 threads all run, with nothing of ssh's in their
     * stderr; SSHJ over its one connection.
     */
    @ParameterizedTest
    @EnumSource(Client.class)
    void a_server_allowing_fewer_sessions_queues_commands_instead_of_failing_them(Client client) throws Exception {
        // under /tmp, not @TempDir: the login user must be able to traverse to authorized_keys
        Path hardenedDir = Files.createTempDirectory("pgrunbook-ssh-it-hardened-");
        try (LabSshd hardened = LabSshd.start(hardenedDir, List.of(A1), PORT + 2, USER, java.util.Map.of(),
                List.of(), List.of("MaxSessions 2"))) {
            Host h = host(A1, PORT + 2, hardened.knownHosts().toString(), List.of(hardened.clientKey().toString()),
                    null, Duration.ofSeconds(5));
            int n = 24;
            try (Transport t = client.connect(h)) {
                ExecutorService pool = Executors.newFixedThreadPool(6);
                try {
                    List<Future<ExecResult>> results = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        String word = "w" + i;
                        // long enough that the sessions overlap, so the server refuses some
                        results.add(pool.submit(() -> t.exec(RemoteCommand.of("sh", "-c", "sleep 0.05; echo " + word))));
                    }
                    for (int i = 0; i < n; i++) {
                        ExecResult r = results.get(i).get(30, TimeUnit.SECONDS);
                        assertTrue(r.ok(), r::stderr);
                        assertEquals("w" + i + "\n", r.stdout());
                        assertEquals("", r.stderr(), "ssh's own complaint reached the command's stderr");
                    }
                } finally {
                    pool.shutdownNow();
                }
            }
            Thread.sleep(200); // sshd writes its log asynchronously to us
            long logins = Files.readAllLines(hardened.log()).stream().filter(l -> l.contains("Accepted publickey")).count();
            if (client == Client.SSHJ) {
                assertEquals(1, logins, "the commands did not share one SSH connection");
            } else {
                // ssh runs a refused command over a login of its own; the first round is refused (5 to 6 logins
                // here, 9 before the limit was learnt), then the commands wait for the master
                assertTrue(logins >= 1 && logins <= n / 2, logins + " logins for " + n + " commands");
            }
        } finally {
            deleteTree(hardenedDir);
        }
    }

    /** MaxSessions 0 allows no command at all: a clear error naming the setting, after a bounded wait. */
    @Test
    void a_server_allowing_no_session_fails_the_command_naming_max_sessions() throws Exception {
        Path noneDir = Files.createTempDirectory("pgrunbook-ssh-it-none-");
        try (LabSshd none = LabSshd.start(noneDir, List.of(A1), PORT + 3, USER, java.util.Map.of(),
                List.of(), List.of("MaxSessions 0"))) {
            Host h = host(A1, PORT + 3, none.knownHosts().toString(), List.of(none.clientKey().toString()),
                    null, Duration.ofSeconds(5));
            try (Transport t = SshTransport.connect(h)) {
                long start = System.nanoTime();
                TransportException e = assertThrows(TransportException.class, () -> t.exec(RemoteCommand.of("true")));
                long took = (System.nanoTime() - start) / 1_000_000;
                assertTrue(e.getMessage().contains("MaxSessions"), e.getMessage());
                assertTrue(e.getMessage().contains("refuses a new SSH session"), e.getMessage());
                assertTrue(took < 10_000, "took " + took + " ms");
            }
        } finally {
            deleteTree(noneDir);
        }
    }

    @Test
    void both_lab_addresses_are_reachable_and_known() {
        try (SshTransport t = SshTransport.connect(host(A2))) {
            assertTrue(t.exec(RemoteCommand.of("true")).ok());
        }
    }

    // ------------------------------------------------------------------ forwards

    @ParameterizedTest
    @EnumSource(Client.class)
    void local_forward_reaches_a_tcp_server_on_the_host(Client client) throws Exception {
        try (ServerSocket echo = new ServerSocket(0, 50, InetAddress.getByName(A1))) {
            List<String> peers = new CopyOnWriteArrayList<>();
            Thread server = new Thread(() -> {
                while (!echo.isClosed()) {
                    try (Socket s = echo.accept();
                         BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                                 StandardCharsets.UTF_8));
                         PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8)) {
                        peers.add(s.getRemoteSocketAddress().toString());
                        out.println("echo:" + in.readLine());
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            server.setDaemon(true);
            server.start();

            InetSocketAddress local;
            try (Transport t = client.connect(host(A1))) {
                local = t.forward(A1, echo.getLocalPort());
                assertEquals("127.0.0.1", local.getAddress().getHostAddress());
                assertNotEquals(echo.getLocalPort(), local.getPort());
                assertEquals(local, t.forward(A1, echo.getLocalPort()), "one forward per target");

                for (int i = 0; i < 3; i++) {
                    try (Socket s = new Socket(local.getAddress(), local.getPort());
                         BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                                 StandardCharsets.UTF_8))) {
                        OutputStream out = s.getOutputStream();
                        out.write(("hello " + i + "\n").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        assertEquals("echo:hello " + i, in.readLine());
                    }
                }
            }
            assertEquals(3, peers.size());
            // closed with the transport: its port can be bound again at once. (Connecting to it proves nothing: a
            // loopback connect to a free ephemeral port can succeed by TCP simultaneous open onto itself, and did in CI.)
            // (the forward's accept loop ends on its own thread: on a loaded machine the port may take a moment to free)
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (true) {
                try (ServerSocket again = new ServerSocket()) {
                    again.bind(local);
                    assertEquals(local.getPort(), again.getLocalPort());
                    break;
                } catch (java.net.BindException e) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("the forward's port " + local + " is still bound 5 s after the transport closed", e);
                    }
                    Thread.sleep(20);
                }
            }
        }
    }

    // ------------------------------------------------------------------ host keys

    @ParameterizedTest
    @EnumSource(Client.class)
    void unknown_host_key_is_refused_with_fingerprint_and_keyscan_hint(Client client) throws Exception {
        Path empty = Files.createFile(tmp.resolve("known_hosts"));
        Host h = host(A1, PORT, empty.toString(), List.of(sshd.clientKey().toString()), null, Duration.ofSeconds(5));

        HostKeyException e = assertThrows(HostKeyException.class, () -> client.connect(h));

        String m = e.getMessage();
        assertTrue(m.startsWith("db1: "), m);
        assertTrue(m.contains(A1 + ":" + PORT), m);
        assertTrue(m.contains("ssh-ed25519"), m);
        assertTrue(m.contains(hostFingerprint()), m + " / expected " + hostFingerprint());
        assertTrue(m.contains("ssh-keyscan -p " + PORT + " -t ed25519 " + A1 + " >> " + empty), m);
        assertTrue(m.contains("Compare"), m);
        assertEquals("", Files.readString(empty), "known_hosts must never be written");
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void changed_host_key_is_refused(Client client) throws Exception {
        Path other = tmp.resolve("other_key");
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other.toString());
        String[] pub = Files.readString(Path.of(other + ".pub")).split("\\s+");
        Path kh = tmp.resolve("known_hosts");
        String line = "[" + A1 + "]:" + PORT + " " + pub[0] + " " + pub[1];
        Files.writeString(kh, line + "\n");
        Host h = host(A1, PORT, kh.toString(), List.of(sshd.clientKey().toString()), null, Duration.ofSeconds(5));

        HostKeyException e = assertThrows(HostKeyException.class, () -> client.connect(h));

        assertTrue(e.getMessage().contains("HOST KEY CHANGED"), e.getMessage());
        assertTrue(e.getMessage().contains(hostFingerprint()), e.getMessage());
        assertTrue(e.getMessage().contains(pub[1]), "shows the known_hosts line: " + e.getMessage());
    }

    @Test
    void hashed_known_hosts_entries_are_honoured() throws Exception {
        Path kh = tmp.resolve("known_hosts");
        Files.copy(sshd.knownHosts(), kh);
        run("ssh-keygen", "-H", "-f", kh.toString());
        assertTrue(Files.readString(kh).startsWith("|1|"), "ssh-keygen -H did not hash");
        Host h = host(A1, PORT, kh.toString(), List.of(sshd.clientKey().toString()), null, Duration.ofSeconds(5));

        try (SshTransport t = SshTransport.connect(h)) {
            assertTrue(t.exec(RemoteCommand.of("true")).ok());
        }
    }

    @Test
    void known_hosts_entry_without_port_does_not_vouch_for_another_port() throws Exception {
        // OpenSSH semantics: "addr key" is for port 22 only; on 2222 the key is unknown
        String[] pub = Files.readString(Path.of(sshd.hostKey() + ".pub")).split("\\s+");
        Path kh = tmp.resolve("known_hosts");
        Files.writeString(kh, A1 + " " + pub[0] + " " + pub[1] + "\n");
        Host h = host(A1, PORT, kh.toString(), List.of(sshd.clientKey().toString()), null, Duration.ofSeconds(5));

        HostKeyException e = assertThrows(HostKeyException.class, () -> SshTransport.connect(h));
        assertTrue(e.getMessage().contains("unknown host key"), e.getMessage());
    }

    // ------------------------------------------------------------------ connection failures

    @ParameterizedTest
    @EnumSource(Client.class)
    void connection_refused_fails_fast_with_a_clear_message(Client client) {
        Host h = host(A1, PORT + 1, sshd.knownHosts().toString(), List.of(sshd.clientKey().toString()), null,
                Duration.ofSeconds(10));
        long start = System.nanoTime();

        TransportException e = assertThrows(TransportException.class, () -> client.connect(h));

        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals("db1: " + A1 + ":" + (PORT + 1) + ": connection refused", e.getMessage());
        assertTrue(ms < 2000, "took " + ms + " ms");
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void connect_timeout_is_honoured_when_the_server_never_speaks(Client client) throws Exception {
        // a socket that listens but never accepts: TCP completes in the kernel backlog and no SSH banner ever comes
        try (ServerSocket mute = new ServerSocket(0, 50, InetAddress.getByName(A1))) {
            Host h = host(A1, mute.getLocalPort(), sshd.knownHosts().toString(),
                    List.of(sshd.clientKey().toString()), null, Duration.ofSeconds(1));
            long start = System.nanoTime();

            TransportException e = assertThrows(TransportException.class, () -> client.connect(h));

            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(e.getMessage().endsWith("timed out after 1s"), e.getMessage());
            assertTrue(ms >= 900 && ms < 4000, "took " + ms + " ms");
        }
    }

    @Test
    void unauthorized_key_fails_authentication_naming_user_and_keys() throws Exception {
        Path key = tmp.resolve("id_other");
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString());
        Host h = host(A1, PORT, sshd.knownHosts().toString(), List.of(key.toString()), null, Duration.ofSeconds(5));

        TransportException e = assertThrows(TransportException.class, () -> SshTransport.connect(h));

        assertFalse(e instanceof HostKeyException);
        assertTrue(e.getMessage().contains("authentication failed for user postgres with keys [" + key + "]"),
                e.getMessage());
    }

    @Test
    void encrypted_key_without_passphrase_is_a_clear_error() throws Exception {
        Assumptions.assumeTrue(System.getenv(SshTransport.PASSPHRASE_ENV) == null);
        Path key = tmp.resolve("id_locked");
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "correct horse", "-f", key.toString());
        Host h = host(A1, PORT, sshd.knownHosts().toString(), List.of(key.toString()), null, Duration.ofSeconds(5));

        TransportException e = assertThrows(TransportException.class, () -> SshTransport.connect(h));

        assertTrue(e.getMessage().contains("encrypted key " + key), e.getMessage());
        assertTrue(e.getMessage().contains(SshTransport.PASSPHRASE_ENV), e.getMessage());

        // beside a usable key it is skipped, and named if authentication then fails
        Path plain = tmp.resolve("id_plain");
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", plain.toString());
        Host both = host(A1, PORT, sshd.knownHosts().toString(), List.of(key.toString(), plain.toString()), null,
                Duration.ofSeconds(5));
        TransportException auth = assertThrows(TransportException.class, () -> SshTransport.connect(both));
        assertTrue(auth.getMessage().contains("authentication failed for user postgres with keys [" + plain + "]"
                + " (skipped: encrypted key " + key), auth.getMessage());
        Host withGood = host(A1, PORT, sshd.knownHosts().toString(),
                List.of(key.toString(), sshd.clientKey().toString()), null, Duration.ofSeconds(5));
        try (SshTransport t = SshTransport.connect(withGood)) {
            assertTrue(t.exec(RemoteCommand.of("true")).ok());
        }
    }

    /**
     * The operator's ssh-agent: keys of each type (ed25519, ECDSA, RSA signed with rsa-sha2-256) authenticate with no
     * identity file at all; an encrypted key file beside an agent that does not hold it is named with "ssh-add".
     */
    @Test
    void keys_held_by_an_ssh_agent_authenticate_without_any_identity_file() throws Exception {
        Path sock = tmp.resolve("agent.sock");
        Process agent = new ProcessBuilder("ssh-agent", "-D", "-a", sock.toString()).redirectErrorStream(true).start();
        try {
            LabOps.await("ssh-agent socket", Duration.ofSeconds(5), () -> Files.exists(sock));
            List<String> fingerprints = new ArrayList<>();
            for (String type : List.of("ed25519", "ecdsa", "rsa")) {
                fingerprints.add(agentOnlyKey(sock, type, "agent_"));
            }
            long accepted = logCount("Accepted publickey for " + USER);
            Host viaAgent = agentHost(List.of(tmp.resolve("no_such_key").toString()), sock);
            try (SshTransport t = SshTransport.connect(viaAgent)) {
                assertEquals(USER, t.exec(RemoteCommand.of("id", "-un")).stdout().strip());
            }
            assertEquals(accepted + 1, logCount("Accepted publickey for " + USER));
            assertTrue(acceptedWith(fingerprints.get(0)), "signed by the agent's first key");

            // each type on its own: the agent holds the RSA key only, then the ECDSA one only
            for (String type : List.of("rsa", "ecdsa")) {
                agent(sock, "-D");
                String fp = agentOnlyKey(sock, type, "agent2_");
                try (SshTransport t = SshTransport.connect(viaAgent)) {
                    assertTrue(t.exec(RemoteCommand.of("true")).ok());
                }
                assertTrue(acceptedWith(fp), type + " key signed by the agent");
            }

            // an encrypted key file the agent does not hold: the error says how to add it
            agent(sock, "-D");
            Path locked = tmp.resolve("id_agent_locked");
            run("ssh-keygen", "-q", "-t", "ed25519", "-N", "open sesame", "-f", locked.toString());
            TransportException e = assertThrows(TransportException.class,
                    () -> SshTransport.connect(agentHost(List.of(locked.toString()), sock)));
            assertTrue(e.getMessage().contains("holds no key") && e.getMessage().contains("ssh-add " + locked), e.getMessage());
        } finally {
            agent.destroy();
        }
    }

    private Host agentHost(List<String> identities, Path sock) {
        return new Host("db1", A1, Role.MASTER, Host.TransportKind.SSH,
                new SshSettings(USER, PORT, identities, sshd.knownHosts().toString(), null, Duration.ofSeconds(5),
                        Duration.ofSeconds(15), sock.toString()),
                USER, null, null, null, null);
    }

    /** A new key of that type, authorized for the login user and handed to the agent, its file deleted: returns its fingerprint. */
    private String agentOnlyKey(Path sock, String type, String prefix) throws Exception {
        Path key = tmp.resolve(prefix + type);
        run("ssh-keygen", "-q", "-t", type, "-N", "", "-C", prefix + type, "-f", key.toString());
        Files.writeString(dir.resolve("authorized_keys"), Files.readString(Path.of(key + ".pub")),
                java.nio.file.StandardOpenOption.APPEND);
        agent(sock, key.toString());
        Files.delete(key);
        return run("ssh-keygen", "-l", "-f", key + ".pub").split(" ")[1];
    }

    private static void agent(Path sock, String arg) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("ssh-add", arg).redirectErrorStream(true);
        pb.environment().put("SSH_AUTH_SOCK", sock.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "ssh-add " + arg + ": " + out);
    }

    private static boolean acceptedWith(String fingerprint) throws IOException {
        return Files.readAllLines(sshd.log()).stream().anyMatch(l -> l.contains("Accepted publickey") && l.contains(fingerprint));
    }

    @Test
    void missing_identity_files_are_skipped_and_an_existing_one_is_used() {
        Host h = host(A1, PORT, sshd.knownHosts().toString(),
                List.of(tmp.resolve("nope_ed25519").toString(), sshd.clientKey().toString()), null,
                Duration.ofSeconds(5));
        try (SshTransport t = SshTransport.connect(h)) {
            assertTrue(t.exec(RemoteCommand.of("true")).ok());
        }
    }

    // ------------------------------------------------------------------ jump host

    @Test
    void jump_host_reaches_the_target_and_both_keys_are_verified() throws Exception {
        long acceptedBefore = logCount("Accepted publickey");
        Host h = host(A1, PORT, sshd.knownHosts().toString(), List.of(sshd.clientKey().toString()),
                USER + "@" + A2 + ":" + PORT, Duration.ofSeconds(5));
        try (SshTransport t = SshTransport.connect(h)) {
            ExecResult r = t.exec(RemoteCommand.of("echo", "via jump"));
            assertTrue(r.ok(), r::stderr);
            assertEquals("via jump\n", r.stdout());
        }
        Thread.sleep(200);
        assertEquals(acceptedBefore + 2, logCount("Accepted publickey"), "jump and target logins");

        // the jump host's key is checked like any other: unknown there means refused
        Path kh = tmp.resolve("known_hosts");
        Files.writeString(kh, Files.readAllLines(sshd.knownHosts()).stream()
                .filter(l -> l.startsWith("[" + A1 + "]")).findFirst().orElseThrow() + "\n");
        Host noJumpKey = host(A1, PORT, kh.toString(), List.of(sshd.clientKey().toString()),
                USER + "@" + A2 + ":" + PORT, Duration.ofSeconds(5));
        HostKeyException e = assertThrows(HostKeyException.class, () -> SshTransport.connect(noJumpKey));
        assertTrue(e.getMessage().contains(A2 + ":" + PORT), e.getMessage());
    }

    // ------------------------------------------------------------------ figures

    @Test
    void figures_connect_and_round_trip() {
        long start = System.nanoTime();
        try (SshTransport t = SshTransport.connect(host(A1))) {
            long connectMs = (System.nanoTime() - start) / 1_000_000;
            int n = 20;
            long s2 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                assertTrue(t.exec(RemoteCommand.of("true")).ok());
            }
            double rtt = (System.nanoTime() - s2) / 1e6 / n;
            System.out.printf("SshTransportIT figures: connect %d ms, exec round trip %.1f ms (mean of %d)%n",
                    connectMs, rtt, n);
        }
    }

    @Test
    void lab_sshd_refuses_non_loopback_addresses() {
        assertThrows(IllegalArgumentException.class,
                () -> LabSshd.start(tmp.resolve("lab"), List.of("10.0.0.1"), PORT, USER));
        assertThrows(IllegalArgumentException.class,
                () -> LabSshd.start(tmp.resolve("lab"), List.of("localhost"), PORT, USER));
    }
}
