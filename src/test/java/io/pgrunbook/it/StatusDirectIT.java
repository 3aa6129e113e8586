package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.InventoryLoader;
import io.pgrunbook.pgbouncer.PauseGuard;
import io.pgrunbook.pgbouncer.PgBouncerAdmin;
import io.pgrunbook.remote.Connections;
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

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code status} on an SSH lab whose PostgreSQL is reached directly ({@code connect: direct}): a healthy cluster
 * costs no SSH login (counted in the lab sshd's own log), and SSH is still opened for what only the host can tell: a
 * paused PgBouncer's guard (who paused, until when) and a stopped PostgreSQL. One lab, in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StatusDirectIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LabFixture lab;
    private static Path direct;

    @BeforeAll
    static void up() throws Exception {
        LabFixture.assumeLabAvailable();
        lab = LabFixture.start("status-direct", LabNets.STATUS_DIRECT.base(), true);
        String ssh = Files.readString(lab.info().sshInventory());
        assertTrue(ssh.contains("    connect: tunnel\n"), "the lab's SSH inventory tunnels: " + ssh);
        direct = lab.dir().resolve("inventory-ssh-direct.yaml");
        Files.writeString(direct, ssh.replace("    connect: tunnel\n", "    connect: direct\n"));
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.stop();
        }
    }

    /** SSH logins the lab's sshd accepted so far (LogLevel VERBOSE logs each one). */
    private static long logins() throws Exception {
        return Files.readAllLines(lab.dir().resolve("ssh").resolve("sshd.log")).stream()
                .filter(l -> l.contains("Accepted publickey")).count();
    }

    private static JsonNode status(Path inventory) throws Exception {
        CliRunner.Result r = CliRunner.run(lab.env(), "-i", inventory.toString(), "--no-color", "-o", "json", "status");
        return JSON.readTree(r.out());
    }

    private static JsonNode host(JsonNode status, String name) {
        return LabState.host(status, name);
    }

    @Test
    @Order(1)
    void a_healthy_status_opens_no_ssh_connection_and_shows_the_same_pgbouncer_targets_as_over_ssh() throws Exception {
        long before = logins();
        JsonNode fromHere = status(direct);
        assertEquals(0, logins() - before, "SSH logins during a healthy status with connect: direct");
        assertEquals("HEALTHY", fromHere.get("verdict").asText(), fromHere::toString);

        before = logins();
        JsonNode overSsh = status(lab.info().sshInventory());
        assertTrue(logins() - before >= 2, "the tunnelled inventory logs in (db1 and db2 at least)");
        for (String h : List.of("db1", "db2", "db3", "db4")) {
            assertEquals(host(overSsh, h).get("pgbouncer_target"), host(fromHere, h).get("pgbouncer_target"), h);
            assertEquals(host(overSsh, h).get("pgbouncer_pause"), host(fromHere, h).get("pgbouncer_pause"), h);
        }
        assertEquals("db1", host(fromHere, "db1").get("pgbouncer_target").asText());
        assertEquals("db1", host(fromHere, "db2").get("pgbouncer_target").asText());
    }

    @Test
    @Order(2)
    void a_paused_pgbouncer_shows_its_guard_read_over_ssh_from_that_host_only() throws Exception {
        Host db2 = new InventoryLoader(lab.env()).load(direct).cluster("lab").host("db2").orElseThrow();
        try (Connections c = Connections.standard()) {
            PgBouncerAdmin admin = new PgBouncerAdmin(db2, c.to(db2));
            admin.run(PauseGuard.armThenRun(db2, Duration.ofMinutes(10), "status-direct-run", List.of("app"), admin.psql("PAUSE app")));
        }
        try {
            long before = logins();
            JsonNode s = status(direct);
            assertEquals(1, logins() - before, "one SSH login: db2's, for its guard");
            JsonNode pause = host(s, "db2").get("pgbouncer_pause");
            assertEquals("app", pause.get("databases").get(0).asText(), s::toString);
            assertEquals("status-direct-run", pause.get("run").asText(), s::toString);
            assertTrue(pause.get("guard_running").asBoolean(), s::toString);
            assertTrue(pause.hasNonNull("guard_deadline") && pause.hasNonNull("since"), s::toString);
            assertTrue(host(s, "db1").get("pgbouncer_pause").isNull(), s::toString);
            // the same as the SSH path reads it
            JsonNode overSsh = status(lab.info().sshInventory());
            assertEquals(host(overSsh, "db2").get("pgbouncer_pause").get("guard_deadline"), pause.get("guard_deadline"));
            assertEquals(host(overSsh, "db2").get("pgbouncer_pause").get("since"), pause.get("since"));
        } finally {
            try (Connections c = Connections.standard()) {
                PgBouncerAdmin admin = new PgBouncerAdmin(db2, c.to(db2));
                admin.run(PauseGuard.runThenCancel(db2, admin.psql("RESUME app")));
            }
        }
        long before = logins();
        assertEquals("HEALTHY", status(direct).get("verdict").asText());
        assertEquals(0, logins() - before, "resumed: no SSH login again");
    }

    @Test
    @Order(3)
    void a_stopped_postgresql_is_still_classified_down_through_ssh() throws Exception {
        Path data = lab.dir().resolve("db3").resolve("data");
        ExecResult r = new LocalTransport("db3").exec(RemoteCommand.of("/usr/lib/postgresql/15/bin/pg_ctl", "-D", data.toString(),
                "-m", "fast", "-w", "stop").as(LocalTransport.runningAsRoot() ? "postgres" : null), ExecOptions.timeout(Duration.ofSeconds(30)));
        assertTrue(r.ok(), r::toString);
        long before = logins();
        JsonNode s = status(direct);
        assertEquals("down", host(s, "db3").get("state").asText(), s::toString);
        assertEquals("DEGRADED", s.get("verdict").asText(), s::toString);
        assertEquals(1, logins() - before, "one SSH login: db3's, to ask pg_ctl status");
    }
}
