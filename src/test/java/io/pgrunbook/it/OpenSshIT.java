package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.InventoryLoader;
import io.pgrunbook.lab.LabOpenSsh;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.OpenSshTransport;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.TransportException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * transport: openssh on the SSH lab (inventory-openssh.yaml: the system ssh, PostgreSQL through ssh -W tunnels): status,
 * the warm master of a second command (no new SSH login at sshd), an unknown host key, cancellation and timeout killing
 * the remote command, and a switchover. The transport's exec and forward behaviours run in SshTransportIT beside SSHJ's.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OpenSshIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LabFixture lab;
    private static String inv;

    @BeforeAll
    static void up() {
        lab = LabFixture.start("openssh", LabNets.OPENSSH.base(), true);
        inv = lab.dir().resolve(LabOpenSsh.FILE).toString();
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.stop();
        }
    }

    private static long logins() throws Exception {
        Path log = lab.dir().resolve("ssh/sshd.log");
        // sshd writes its log asynchronously to us: wait until two reads a moment apart agree
        long before = -1;
        for (int i = 0; i < 20; i++) {
            long n = Files.readAllLines(log).stream().filter(l -> l.contains("Accepted publickey")).count();
            if (n == before) {
                return n;
            }
            before = n;
            Thread.sleep(100);
        }
        return before;
    }

    private static Host host(String name) {
        return new InventoryLoader(System.getenv()).load(Path.of(inv)).cluster(null).host(name).orElseThrow();
    }

    @Test
    @Order(1)
    void status_over_openssh_is_healthy_and_a_second_command_logs_in_nowhere() throws Exception {
        JsonNode s = JSON.readTree(CliRunner.run("-i", inv, "status", "-o", "json").expect(0).out());
        assertEquals("HEALTHY", s.get("verdict").asText(), s::toPrettyString);
        assertEquals("db1", s.get("primary").asText(), s::toPrettyString);
        long after1 = logins();
        assertTrue(after1 >= 4, "the first command opened a master per host: " + after1);

        CliRunner.Result second = CliRunner.run("-i", inv, "status").expect(0);
        assertTrue(second.out().contains("HEALTHY"), second::toString);
        assertEquals(after1, logins(), "the second command made a new SSH login instead of using the masters");
    }

    @Test
    @Order(2)
    void an_unknown_host_key_stops_the_command_naming_host_fingerprint_and_the_fix() throws Exception {
        Path empty = Files.createFile(lab.dir().resolve("empty_known_hosts-" + UUID.randomUUID()));
        Path bad = lab.dir().resolve("inventory-openssh-badkey.yaml");
        String text = Files.readString(Path.of(inv));
        String replaced = text.replaceFirst("known_hosts: \"[^\"]+\"", "known_hosts: \"" + empty + "\"");
        assertTrue(!replaced.equals(text), "no known_hosts line in " + inv);
        Files.writeString(bad, replaced);

        CliRunner.Result r = CliRunner.run("-i", bad.toString(), "status").expect(3);

        assertTrue(r.err().contains("db1: unknown host key for " + lab.address("db1") + ":2222: ssh-ed25519 SHA256:")
                || r.err().matches("(?s).*db[1-4]: unknown host key for .*:2222: ssh-ed25519 SHA256:.*"), r::toString);
        assertTrue(r.err().contains("ssh-keyscan -p 2222 -t ed25519 "), r::toString);
        assertEquals("", Files.readString(empty), "known_hosts must never be written");
    }

    @Test
    @Order(3)
    void cancelling_or_timing_out_a_command_hangs_it_up_on_the_host() throws Exception {
        try (OpenSshTransport t = OpenSshTransport.connect(host("db2"))) {
            String marker = "pgrunbook-cancel-" + UUID.randomUUID();
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread runner = new Thread(() -> {
                try {
                    t.exec(RemoteCommand.shell("sleep 300; : " + marker));
                } catch (Throwable e) {
                    thrown.set(e);
                }
            });
            runner.start();
            awaitRemote(marker, true);
            runner.interrupt();
            runner.join(10_000);
            assertTrue(thrown.get() instanceof TransportException, () -> String.valueOf(thrown.get()));
            awaitRemote(marker, false);

            String slow = "pgrunbook-timeout-" + UUID.randomUUID();
            ExecResult r = t.exec(RemoteCommand.shell("echo started; sleep 300; : " + slow), ExecOptions.timeout(Duration.ofSeconds(1)));
            assertNull(r.exitCode());
            assertEquals("started\n", r.stdout());
            assertTrue(r.stderr().contains("timed out after 1s"), r.stderr());
            awaitRemote(slow, false);

            ExecResult failed = t.exec(RemoteCommand.shell("echo oops >&2; exit 7"));
            assertEquals(7, failed.exitCode());
            assertEquals("oops\n", failed.stderr());
        }
    }

    /** Waits until a process whose command line has the marker runs (or no longer runs) on this machine, the lab's hosts. */
    private static void awaitRemote(String marker, boolean running) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            Process p = new ProcessBuilder("pgrep", "-f", marker).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            boolean found = p.waitFor() == 0;
            if (found == running) {
                return;
            }
            Thread.sleep(50);
        }
        fail("the remote command with " + marker + (running ? " never started" : " still runs 10 s later"));
    }

    @Test
    @Order(4)
    void switchover_over_openssh() throws Exception {
        CliRunner.run("-i", inv, "switchover", "--to", "db2", "--yes").expect(0);
        JsonNode s = JSON.readTree(CliRunner.run("-i", inv, "status", "-o", "json").expect(1).out());
        assertEquals("db2", s.get("primary").asText(), s::toPrettyString);
        assertEquals("FAILOVER_STATE", s.get("verdict").asText(), s::toPrettyString);
        assertEquals("db2", LabState.host(s, "db3").get("upstream").asText(), s::toPrettyString);
    }

    /** lab down ends the masters logged in to the lab: none is left for ControlPersist, for a new lab to reuse. */
    @Test
    @Order(5)
    void lab_down_ends_the_ssh_masters_of_its_hosts() throws Exception {
        java.util.List<OpenSshTransport> masters = new java.util.ArrayList<>();
        for (String h : java.util.List.of("db1", "db2", "db3", "db4")) {
            OpenSshTransport t = OpenSshTransport.connect(host(h));
            assertTrue(t.alive(), h + ": no master before lab down");
            masters.add(t);
        }
        lab.stop();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (masters.stream().anyMatch(OpenSshTransport::alive) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        for (OpenSshTransport t : masters) {
            assertTrue(!t.alive(), "a master is still up after lab down");
        }
    }
}
