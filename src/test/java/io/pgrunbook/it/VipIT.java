package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgrunbook.lab.LabExtra;
import io.pgrunbook.lab.LabLayout;
import io.pgrunbook.lab.LabOptions;
import io.pgrunbook.lab.ReadOnlyLab;
import io.pgrunbook.lab.VipLab;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.LocalTransport;
import io.pgrunbook.remote.RemoteCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * `lab up --with vip` on a real lab: the VIP follows the primary through a switchover and a failover after kill -9,
 * status flags a second holder and `run vip-move` fixes it, `status -o nagios` exits by verdict (a standby killed is
 * a WARNING), and `lab down` takes the interfaces away. With `--with readonly` too: db2's PgBouncer route app_ro leads
 * to a streaming standby through the same switchover and failover, and `smoke` checks it is read-only.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VipIT {
    private static LabFixture lab;
    private static LabLayout layout;

    @BeforeAll
    static void up() {
        if (!LocalTransport.runningAsRoot()) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException("CI=true and VipIT cannot run: lab up --with vip needs root (veth pairs)");
            }
            Assumptions.abort("lab up --with vip needs root (veth pairs)");
        }
        lab = LabFixture.start("vip", LabNets.VIP.base(), LabOptions.plain().with(LabExtra.VIP, LabExtra.READONLY));
        layout = new LabLayout(lab.dir(), lab.address("db1"));
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.stop();
        }
    }

    private static String inv() {
        return lab.inventory().toString();
    }

    private static String vip() {
        return VipLab.address(layout);
    }

    /** The lab hosts whose own interface has the VIP now, asked of the kernel, not of pgrunbook. */
    private static List<String> holders() throws Exception {
        List<String> out = new ArrayList<>();
        for (String h : List.of("db1", "db2", "db3")) {
            Process p = new ProcessBuilder("ip", "-o", "addr", "show", "dev", VipLab.iface(layout, h)).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), text);
            if (text.contains(" " + vip() + "/")) {
                out.add(h);
            }
        }
        return out;
    }

    /** Where db2's read-only route lands now, asked through PgBouncer: the server's address and whether it is in recovery. */
    private static String readonlyRoute() throws Exception {
        try (Connection c = lab.connectPgBouncer("db2", ReadOnlyLab.DATABASE); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT host(inet_server_addr()), pg_is_in_recovery(), current_setting('transaction_read_only')")) {
            rs.next();
            String addr = rs.getString(1);
            String host = List.of("db1", "db2", "db3").stream().filter(h -> lab.address(h).equals(addr)).findFirst().orElse(addr);
            return host + (rs.getBoolean(2) ? " standby" : " primary") + " read_only=" + rs.getString(3);
        }
    }

    private static JsonNode status() throws Exception {
        return LabState.status(lab);
    }

    private static void pgctl(String host, String... args) {
        List<String> argv = new ArrayList<>(List.of("/usr/lib/postgresql/15/bin/pg_ctl", "-D", lab.dir().resolve(host).resolve("data").toString()));
        argv.addAll(List.of(args));
        ExecResult r = new LocalTransport(host).exec(RemoteCommand.of(argv).as("postgres"), ExecOptions.timeout(Duration.ofSeconds(60)));
        assertTrue(r.ok(), () -> "pg_ctl " + String.join(" ", args) + " on " + host + ": " + r.tail(10));
    }

    private static void kill9(String host) throws Exception {
        String pid = Files.readAllLines(lab.dir().resolve(host).resolve("data").resolve("postmaster.pid")).get(0).trim();
        assertEquals(0, new ProcessBuilder("kill", "-9", pid).inheritIO().start().waitFor(), "kill -9 " + pid);
    }

    private static void awaitStreaming(String primary, String standby) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            try (Connection c = lab.connect(primary, "postgres"); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND application_name = '" + standby + "'")) {
                rs.next();
                if (rs.getInt(1) == 1) {
                    return;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError(standby + " did not stream from " + primary + " within 30 s");
    }

    @Test
    @Order(1)
    void the_lab_vip_is_on_db1_and_status_says_so() throws Exception {
        assertEquals(List.of("db1"), holders());
        JsonNode s = status();
        assertEquals("HEALTHY", s.get("verdict").asText(), s::toPrettyString);
        assertEquals(vip(), s.get("vip").get("address").asText());
        assertEquals("db1", s.get("vip").get("expected").asText());
        assertEquals("[\"db1\"]", s.get("vip").get("holders").toString());
        assertTrue(s.get("vip").get("ok").asBoolean());
        List<String> fields = new ArrayList<>();
        s.fieldNames().forEachRemaining(fields::add);
        // DESIGN's fields first, then the additions: notes, vip, and next and probed_at last
        assertEquals(List.of("cluster", "verdict", "primary", "hosts", "notes", "vip", "next", "probed_at"), fields,
                "vip is added after DESIGN's fields and the notes");
        CliRunner.Result t = CliRunner.run("-i", inv(), "--no-color", "status").expect(0);
        assertTrue(t.out().contains("VIP " + vip() + ": on db1\n"), t::toString);
        CliRunner.Result d = CliRunner.run("-i", inv(), "--no-color", "doctor").expect(0);
        for (String h : List.of("db1", "db2", "db3")) {
            assertTrue(d.out().lines().anyMatch(l -> l.contains(h) && l.contains("vip interface") && l.contains("PASS")
                    && l.contains(VipLab.iface(layout, h))), d::toString);
        }
        assertFalse(d.out().lines().anyMatch(l -> l.startsWith("db4") && l.contains("vip interface")), "db4 never holds the VIP: " + d.out());
    }

    @Test
    @Order(2)
    void nagios_is_ok_when_healthy_and_a_warning_naming_a_killed_standby() throws Exception {
        CliRunner.Result ok = CliRunner.run("-i", inv(), "status", "-o", "nagios").expect(0);
        assertTrue(ok.out().startsWith("PGRUNBOOK OK - cluster lab: HEALTHY, primary db1 | lag_db2="), ok::toString);
        assertTrue(ok.out().contains(" probe="), ok::toString);

        // immediate: the postmaster and its children quit at once, as in a crash, and the port is free again at once
        pgctl("db3", "-m", "immediate", "-w", "stop");
        try {
            CliRunner.Result warn = CliRunner.run("-i", inv(), "status", "-o", "nagios").expect(1);
            assertTrue(warn.out().startsWith("PGRUNBOOK WARNING - cluster lab: DEGRADED, primary db1: db3 (BCP) is down"), warn::toString);
            CliRunner.Result crit = CliRunner.run("-i", inv(), "status", "-o", "nagios", "--lag-critical", "0").expect(1);
            assertFalse(crit.out().contains("lag_db3"), "a standby that is down has no lag: " + crit.out());
        } finally {
            pgctl("db3", "-l", lab.dir().resolve("db3").resolve("pg_ctl.log").toString(), "-w", "start");
        }
        awaitStreaming("db1", "db3");
        CliRunner.run("-i", inv(), "status", "-o", "nagios").expect(0);
    }

    @Test
    @Order(3)
    void the_slaves_readonly_route_leads_to_its_own_standby_and_smoke_checks_it() throws Exception {
        assertEquals("db2 standby read_only=on", readonlyRoute());
        CliRunner.Result r = CliRunner.run("-i", inv(), "--no-color", "smoke").expect(0);
        assertTrue(r.out().contains("pgbouncer " + ReadOnlyLab.DATABASE + " read-only"), r::toString);
        assertTrue(r.out().contains("reaches db2, a standby, read-only"), r::toString);
    }

    @Test
    @Order(4)
    void the_switchover_plan_shows_the_exact_vip_commands() {
        CliRunner.Result r = CliRunner.run("-i", inv(), "--no-color", "switchover", "--to", "db2", "--dry-run").expect(0);
        String i1 = VipLab.iface(layout, "db1");
        String i2 = VipLab.iface(layout, "db2");
        assertTrue(r.out().contains("db1: when it holds " + vip() + ": ip addr del " + vip() + "/32 dev " + i1)
                || r.out().contains("db1: when it holds " + vip() + ": (as root) ip addr del " + vip() + "/32 dev " + i1), r::toString);
        assertTrue(r.out().contains("ip addr add " + vip() + "/32 dev " + i2), r::toString);
        assertTrue(r.out().contains("arping -U -c 3 -I " + i2 + " " + vip()), r::toString);
    }

    @Test
    @Order(5)
    void the_vip_follows_the_primary_through_a_switchover() throws Exception {
        CliRunner.run("-i", inv(), "switchover", "--to", "db2", "--yes").expect(0);
        assertEquals(List.of("db2"), holders());
        JsonNode s = status();
        assertEquals("db2", s.get("primary").asText(), s::toPrettyString);
        assertEquals("[\"db2\"]", s.get("vip").get("holders").toString());
        assertTrue(s.get("vip").get("ok").asBoolean(), s::toPrettyString);
        // db2 is the primary now: its read-only route leads to the old primary, which streams from it
        assertEquals("db1 standby read_only=on", readonlyRoute());
    }

    @Test
    @Order(6)
    void the_vip_follows_the_primary_through_a_failover_after_kill_9() throws Exception {
        kill9("db2");
        CliRunner.Result r = CliRunner.run("-i", inv(), "failover", "--to", "db1", "--yes").expect(0);
        assertEquals(List.of("db1"), holders(), r.toString());
        JsonNode s = status();
        assertEquals("db1", s.get("primary").asText(), s::toPrettyString);
        assertEquals("[\"db1\"]", s.get("vip").get("holders").toString());
        // db2 is down and db1 the primary: the route leads to the BCP, the one standby left streaming
        assertEquals("db3 standby read_only=on", readonlyRoute(), r.toString());
    }

    @Test
    @Order(7)
    void a_rebuild_brings_the_readonly_route_back_to_its_own_standby() throws Exception {
        CliRunner.Result r = CliRunner.run("-i", inv(), "rebuild", "db2", "--yes", "--confirm-host", "db2").expect(0);
        assertEquals("db2 standby read_only=on", readonlyRoute(), r.toString());
        assertFalse(r.out().contains("vip.move") || r.err().contains("Move the virtual IP"), "a rebuild does not move the VIP");
    }

    @Test
    @Order(8)
    void a_second_holder_is_flagged_critical_and_vip_move_takes_it_away() throws Exception {
        assertEquals(0, new ProcessBuilder("ip", "addr", "add", vip() + "/32", "dev", VipLab.iface(layout, "db3"))
                .inheritIO().start().waitFor());
        JsonNode s = status();
        assertTrue(s.get("notes").toString().contains("VIP " + vip() + " is held by 2 hosts (db1, db3)"), s::toPrettyString);
        assertTrue(s.get("notes").toString().contains("pgrunbook run vip-move --param to=db1"), s::toPrettyString);
        assertFalse(s.get("vip").get("ok").asBoolean());
        CliRunner.Result n = CliRunner.run("-i", inv(), "status", "-o", "nagios").expect(2);
        assertTrue(n.out().startsWith("PGRUNBOOK CRITICAL - "), n::toString);

        CliRunner.run("-i", inv(), "run", "vip-move", "--param", "to=db1", "--yes").expect(0);
        assertEquals(List.of("db1"), holders());
        assertTrue(status().get("vip").get("ok").asBoolean());
    }

    @Test
    @Order(9)
    void lab_down_removes_the_interfaces() throws Exception {
        String i1 = VipLab.iface(layout, "db1");
        lab.stop();
        lab = null;
        Process p = new ProcessBuilder("ip", "-o", "link", "show", "dev", i1).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor() != 0, i1 + " is still there after lab down");
    }
}
