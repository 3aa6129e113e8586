package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.LocalTransport;
import io.pgrunbook.remote.RemoteCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * `status` on a real lab: local and SSH transports, a node down, a promotion (split brain, then failover state), the
 * master stopped, a host that never answers, an unknown host key. The tests run in order on one lab and break it
 * step by step.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StatusIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static LabFixture lab;

    @BeforeAll
    static void up() {
        lab = LabFixture.start("status", LabNets.STATUS.base(), true);
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.stop();
        }
    }

    private static JsonNode status(Path inventory, int expectedExit) throws Exception {
        CliRunner.Result r = CliRunner.run("-i", inventory.toString(), "status", "-o", "json").expect(expectedExit);
        return JSON.readTree(r.out());
    }

    private static JsonNode host(JsonNode status, String name) {
        for (JsonNode h : status.get("hosts")) {
            if (h.get("name").asText().equals(name)) {
                return h;
            }
        }
        throw new AssertionError("no host " + name + " in " + status);
    }

    private static ExecResult pgctl(String host, String... args) {
        Path data = lab.dir().resolve(host).resolve("data");
        List<String> argv = new java.util.ArrayList<>(List.of("/usr/lib/postgresql/15/bin/pg_ctl", "-D", data.toString()));
        argv.addAll(List.of(args));
        ExecResult r = new LocalTransport(host).exec(RemoteCommand.of(argv).as(LocalTransport.runningAsRoot() ? "postgres" : null),
                ExecOptions.timeout(Duration.ofSeconds(60)));
        assertTrue(r.ok(), () -> "pg_ctl " + String.join(" ", args) + " on " + host + ": " + r.tail(10));
        return r;
    }

    private static void start(String host) {
        pgctl(host, "-l", lab.dir().resolve(host).resolve("pg_ctl.log").toString(), "-w", "start");
    }

    private static void stop(String host) {
        pgctl(host, "-m", "fast", "-w", "stop");
    }

    private static void awaitStreaming(String standby) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            try (Connection c = lab.connect("db1", "postgres"); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND application_name = '" + standby + "'")) {
                rs.next();
                if (rs.getInt(1) == 1) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError(standby + " did not stream again within 30 s");
    }

    @Test
    @Order(1)
    void healthy_lab_over_the_local_transport() throws Exception {
        JsonNode s = status(lab.inventory(), 0);
        assertEquals("HEALTHY", s.get("verdict").asText(), s::toPrettyString);
        assertEquals("db1", s.get("primary").asText());
        assertEquals(4, s.get("hosts").size());
        assertEquals("primary", host(s, "db1").get("state").asText());
        assertEquals(1, host(s, "db1").get("timeline").asInt());
        assertEquals("standby", host(s, "db2").get("state").asText());
        assertEquals("db1", host(s, "db2").get("upstream").asText());
        assertEquals("db1", host(s, "db3").get("upstream").asText());
        assertEquals("logical", host(s, "db4").get("state").asText());
        assertEquals("db1", host(s, "db4").get("upstream").asText());
        assertEquals("db1", host(s, "db1").get("pgbouncer_target").asText());
        assertEquals("db1", host(s, "db2").get("pgbouncer_target").asText());
        assertTrue(host(s, "db2").get("lag_bytes").isNumber());
        assertTrue(host(s, "db1").get("lag_bytes").isNull());
        List<String> fields = new java.util.ArrayList<>();
        host(s, "db1").fieldNames().forEachRemaining(fields::add);
        assertEquals(List.of("name", "address", "role", "state", "timeline", "lsn", "lag_bytes", "replay_paused", "upstream",
                "pgbouncer_target", "pgbouncer_pause"), fields);
    }

    @Test
    @Order(2)
    void the_table_shows_designed_role_beside_live_state() {
        CliRunner.Result r = CliRunner.run("-i", lab.inventory().toString(), "--no-color", "status").expect(0);
        assertTrue(r.out().contains("Verdict: HEALTHY"), r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.matches("db2\\s+" + Pattern.quote(lab.address("db2")) + "\\s+SLAVE\\s+standby\\s+1\\s+.*db1\\s+db1")), r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.matches("db4\\s+" + Pattern.quote(lab.address("db4")) + "\\s+REPLICA\\s+logical\\s+.*")), r::toString);
    }

    @Test
    @Order(3)
    void healthy_lab_over_ssh_uses_one_connection_per_host() throws Exception {
        Path sshLog = lab.dir().resolve("ssh").resolve("sshd.log");
        long before = acceptedLogins(sshLog);
        JsonNode s = status(lab.info().sshInventory(), 0);
        assertEquals("HEALTHY", s.get("verdict").asText(), s::toPrettyString);
        assertEquals("db1", host(s, "db2").get("pgbouncer_target").asText());
        // probes, tunnels and the PgBouncer console of a host all share one SSH connection
        long deadline = System.currentTimeMillis() + 2000;
        while (acceptedLogins(sshLog) - before < 4 && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(4, acceptedLogins(sshLog) - before, "SSH logins for one status of 4 hosts");
    }

    private static long acceptedLogins(Path log) throws Exception {
        Path f = Files.exists(log) ? log : Files.list(log.getParent()).filter(p -> p.toString().endsWith(".log")).findFirst().orElseThrow();
        return Files.readAllLines(f).stream().filter(l -> l.contains("Accepted publickey")).count();
    }

    @Test
    @Order(4)
    void unknown_host_key_stops_status_with_the_fingerprint() throws Exception {
        Path empty = Files.createTempFile(lab.dir(), "known_hosts", "");
        Path inv = rewrite(lab.info().sshInventory(), root -> ((ObjectNode) root.with("defaults").with("ssh"))
                .put("known_hosts", empty.toString()));
        CliRunner.Result r = CliRunner.run("-i", inv.toString(), "status").expect(3);
        assertTrue(r.err().contains("SHA256:"), r::toString);
        assertTrue(r.err().contains("ssh-keyscan"), r::toString);
        assertTrue(r.out().isEmpty(), "no status from unverified servers: " + r);
    }

    @Test
    @Order(5)
    void a_host_that_never_answers_is_unknown_within_the_timeout() throws Exception {
        // a socket that completes the TCP handshake but never says a word: the worst kind of dead server
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getByName(lab.address("db3")))) {
            Path inv = rewrite(lab.inventory(), root -> {
                ObjectNode db3 = (ObjectNode) root.with("clusters").with("lab").with("hosts").with("db3");
                db3.with("postgres").put("port", silent.getLocalPort()).put("connect_timeout", "2s");
                ((ObjectNode) root.with("clusters").with("lab")).with("settings").put("probe_timeout", "2s");
            });
            CliRunner.Result r = CliRunner.run("-i", inv.toString(), "status", "-o", "json").expect(1);
            JsonNode s = JSON.readTree(r.out());
            assertEquals("DEGRADED", s.get("verdict").asText(), r::toString);
            assertEquals("unknown", host(s, "db3").get("state").asText(), r::toString);
            assertEquals("standby", host(s, "db2").get("state").asText(), "the other hosts are still probed: " + r);
            assertTrue(r.millis() < 5000, "status waited " + r.millis() + " ms for a silent host");
        }
    }

    @Test
    @Order(6)
    void a_stopped_standby_is_down_and_the_cluster_degraded() throws Exception {
        stop("db3");
        JsonNode s = status(lab.inventory(), 1);
        assertEquals("DEGRADED", s.get("verdict").asText(), s::toPrettyString);
        assertEquals("down", host(s, "db3").get("state").asText());
        assertTrue(s.get("notes").toString().contains("db3 (BCP) is down"), s::toPrettyString);
        start("db3");
        awaitStreaming("db3");
        assertEquals("HEALTHY", status(lab.inventory(), 0).get("verdict").asText());
    }

    @Test
    @Order(7)
    void stopping_the_master_gives_no_primary_fast() throws Exception {
        stop("db1");
        long t0 = System.nanoTime();
        JsonNode s = status(lab.inventory(), 2);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals("NO_PRIMARY", s.get("verdict").asText(), s::toPrettyString);
        assertEquals("down", host(s, "db1").get("state").asText());
        assertTrue(s.get("primary").isNull());
        assertTrue(ms < 5000, "NO_PRIMARY took " + ms + " ms, more than the 5 s connect timeout");
        start("db1");
        awaitStreaming("db2");
        awaitStreaming("db3");
    }

    @Test
    @Order(8)
    void a_promoted_slave_beside_the_master_is_split_brain_with_its_new_timeline() throws Exception {
        try (Connection c = lab.connect("db2", "postgres"); Statement st = c.createStatement()) {
            st.execute("SELECT pg_promote(true, 60)");
        }
        // at once, before any checkpoint on the new timeline
        JsonNode s = status(lab.inventory(), 2);
        assertEquals("SPLIT_BRAIN", s.get("verdict").asText(), s::toPrettyString);
        assertEquals("primary", host(s, "db2").get("state").asText());
        assertEquals(2, host(s, "db2").get("timeline").asInt(), s::toPrettyString);
        assertEquals(1, host(s, "db1").get("timeline").asInt());
        assertTrue(s.get("notes").get(0).asText().startsWith("SPLIT BRAIN"), s::toPrettyString);
    }

    @Test
    @Order(9)
    void with_the_master_stopped_the_promoted_slave_is_failover_state() throws Exception {
        stop("db1");
        JsonNode s = status(lab.inventory(), 1);
        assertEquals("FAILOVER_STATE", s.get("verdict").asText(), s::toPrettyString);
        assertEquals("db2", s.get("primary").asText());
        assertTrue(s.get("notes").toString().contains("PgBouncer points to db1, not to the primary db2"), s::toPrettyString);
    }

    @Test
    @Order(10)
    void with_both_stopped_there_is_no_primary() throws Exception {
        stop("db2");
        JsonNode s = status(lab.inventory(), 2);
        assertEquals("NO_PRIMARY", s.get("verdict").asText(), s::toPrettyString);
    }

    private interface Edit {
        void apply(ObjectNode root);
    }

    private static Path rewrite(Path inventory, Edit edit) throws Exception {
        ObjectNode root = (ObjectNode) YAML.readTree(inventory.toFile());
        edit.apply(root);
        Path out = Files.createTempFile(lab.dir(), "inventory", ".yaml");
        YAML.writeValue(out.toFile(), root);
        return out;
    }
}
