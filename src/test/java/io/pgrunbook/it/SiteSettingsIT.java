package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A site's own settings on a real lab: db1 keeps its postgresql.conf outside the data directory (as Debian does, in
 * etc/db1, with postgres.config_file) and db1 and db3 are started and stopped by the inventory's service commands,
 * which write a marker line each time. Without postgresql.conf in its data directory, db1 cannot be started by a bare
 * {@code pg_ctl -D}: every start must go through the service command. The cycle (switchover and back, failover with
 * fencing, split brain and a crash, failback by pg_rewind, rebuild by base backup then rsync) must leave nothing
 * behind: no standby setting on the primary, no inactive slot of ours, no stale backup_manifest, at most
 * keep_backups PgBouncer config backups.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SiteSettingsIT {
    private static final int KEEP_BACKUPS = 2;
    private static LabFixture lab;
    private static LabOps ops;
    private static Path inventory;
    private static Path etc;
    private static Map<String, String> db1Etc;

    @BeforeAll
    static void up() throws Exception {
        lab = LabFixture.start("sitesettings", LabNets.SITE_SETTINGS.base());
        ops = new LabOps(lab);
        etc = lab.dir().resolve("etc");
        Files.createDirectories(etc.resolve("db1"));
        Files.setPosixFilePermissions(etc, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(etc.resolve("db1"), PosixFilePermissions.fromString("rwxr-xr-x"));

        ops.stop("db1", "fast");
        // the include of pgrunbook-lab.conf is relative to postgresql.conf: both move
        for (String f : List.of("postgresql.conf", "pgrunbook-lab.conf")) {
            Files.move(ops.data("db1").resolve(f), etc.resolve("db1").resolve(f), StandardCopyOption.ATOMIC_MOVE);
        }
        Path conf = etc.resolve("db1").resolve("postgresql.conf");
        Path db1Service = service("db1", conf);
        Path db3Service = service("db3", null);
        db1Etc = sums(etc.resolve("db1"));

        String text = Files.readString(lab.inventory());
        text = text.replace("databases: [app]}", "databases: [app], keep_backups: " + KEEP_BACKUPS + "}");
        text = withSite(text, "db1", "          config_file: \"" + conf + "\"\n" + serviceLine(db1Service));
        text = withSite(text, "db3", serviceLine(db3Service));
        inventory = lab.dir().resolve("inventory-site.yaml");
        Files.writeString(inventory, text);

        assertTrue(sh(db1Service + " start").ok(), "db1 starts through its service command with --config-file");
        assertEquals("f", ops.one("db1", "postgres", "SELECT pg_is_in_recovery()"));
        assertEquals(conf.toString(), ops.one("db1", "postgres", "SHOW config_file"));
        Files.deleteIfExists(marker("db1"));
        // db1 was stopped: its standbys and the subscription reconnect after their retry interval
        for (String standby : List.of("db2", "db3")) {
            LabOps.await(standby + " streaming again", Duration.ofSeconds(60), () -> {
                try {
                    return ops.receiver(standby) != null && ops.receiver(standby).startsWith("streaming ");
                } catch (Exception e) {
                    return false;
                }
            });
        }
        awaitSubscriptionWorker();
    }

    /** The REPLICA's apply worker restarts a moment after its publisher changed or restarted. */
    private static void awaitSubscriptionWorker() throws InterruptedException {
        LabOps.await("app_sub's worker running", Duration.ofSeconds(60), () -> {
            try {
                return "1".equals(ops.one("db4", "app", "SELECT count(*) FROM pg_stat_subscription WHERE subname = 'app_sub' AND pid IS NOT NULL"));
            } catch (Exception e) {
                return false;
            }
        });
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.stop();
        }
    }

    /** The site's service script of a host: writes "ACTION" to its marker, then runs pg_ctl as the postgres OS user. */
    private static Path service(String host, Path configFile) throws Exception {
        String pgctl = "/usr/lib/postgresql/15/bin/pg_ctl";
        String data = ops.data(host).toString();
        String log = lab.dir().resolve(host).resolve("postgresql.log").toString();
        String opts = configFile == null ? "" : " -o '--config-file=" + configFile + "'";
        String script = "#!/bin/sh\n"
                + "# the site's service command for " + host + " (a test of pgrunbook)\n"
                + "echo \"$1\" >> '" + marker(host) + "'\n"
                + "as_pg() { if [ \"$(id -u)\" = 0 ]; then runuser -u postgres -- \"$@\"; else \"$@\"; fi; }\n"
                + "case \"$1\" in\n"
                + "  start) as_pg " + pgctl + " -D '" + data + "' -l '" + log + "' -w" + opts + " start ;;\n"
                + "  stop) as_pg " + pgctl + " -D '" + data + "' -m fast -w stop ;;\n"
                + "  restart) as_pg " + pgctl + " -D '" + data + "' -l '" + log + "' -w -m fast" + opts + " restart ;;\n"
                + "  *) exit 2 ;;\n"
                + "esac\n";
        Path p = etc.resolve(host + "-service");
        Files.writeString(p, script);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    private static Path marker(String host) {
        return lab.dir().resolve("etc").resolve(host + "-service.log");
    }

    private static List<String> markerLines(String host) throws Exception {
        return Files.exists(marker(host)) ? Files.readAllLines(marker(host)) : List.of();
    }

    private static String serviceLine(Path script) {
        return "          service: {start: \"" + script + " start\", stop: \"" + script + " stop\", restart: \"" + script + " restart\"}\n";
    }

    /** The inventory with {@code lines} added to {@code host}'s postgres section (after its data_dir). */
    private static String withSite(String text, String host, String lines) {
        int at = text.indexOf("      " + host + ":\n");
        int dataDir = text.indexOf("          data_dir: ", at);
        int eol = text.indexOf('\n', dataDir) + 1;
        return text.substring(0, eol) + lines + text.substring(eol);
    }

    private static ExecResult sh(String script) {
        return new LocalTransport("test").exec(RemoteCommand.shell(script), ExecOptions.timeout(Duration.ofSeconds(90)));
    }

    private static Map<String, String> sums(Path dir) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                out.put(p.getFileName().toString(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
            }
        }
        return out;
    }

    private static CliRunner.Result cli(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "-i";
        all[1] = inventory.toString();
        all[2] = "--no-color";
        System.arraycopy(args, 0, all, 3, args.length);
        return CliRunner.run(all);
    }

    /** kill -9 of the postmaster, then a wait until none of its children is left (they would hold its shared memory). */
    private static void killPostmaster(String host) throws Exception {
        Path data = ops.data(host).toRealPath();
        String pid = Files.readAllLines(data.resolve("postmaster.pid")).get(0).strip();
        assertTrue(sh("kill -9 " + pid).ok());
        LabOps.await(host + "'s server processes gone", Duration.ofSeconds(60), () -> processesIn(data).isEmpty());
    }

    /** Live (not zombie) processes whose working directory is {@code dir}: a server's postmaster and children. */
    private static List<String> processesIn(Path dir) {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            for (Path p : s.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    if (Files.readSymbolicLink(p.resolve("cwd")).equals(dir)) {
                        String stat = Files.readString(p.resolve("stat"));
                        if (!stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) {
                            out.add(p.getFileName().toString());
                        }
                    }
                } catch (Exception gone) {
                    // the process ended while we looked, or is not ours to read
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }

    private static String autoConf(String host) throws Exception {
        return Files.readString(ops.data(host).resolve("postgresql.auto.conf"));
    }

    @Test
    @Order(1)
    void switchover_and_back_stop_and_start_db1_through_its_service_command() throws Exception {
        cli("switchover", "--to", "db2", "--yes").expect(0);
        assertEquals(List.of("stop", "start"), markerLines("db1"), "db1 stopped, then started as a standby, by the site's commands");
        assertTrue(ops.receiver("db1").startsWith("streaming " + lab.address("db2") + " "), ops.receiver("db1"));
        assertFalse(autoConf("db2").contains("primary_conninfo"), "the promoted db2 keeps no primary_conninfo:\n" + autoConf("db2"));
        assertFalse(autoConf("db2").contains("primary_slot_name"), autoConf("db2"));

        cli("switchover", "--to", "db1", "--yes").expect(0);
        assertEquals("f", ops.one("db1", "postgres", "SELECT pg_is_in_recovery()"));
        assertFalse(autoConf("db1").contains("primary_conninfo"), "the promoted db1 keeps no primary_conninfo:\n" + autoConf("db1"));
        assertFalse(autoConf("db1").contains("primary_slot_name"), autoConf("db1"));
        assertEquals(db1Etc, sums(etc.resolve("db1")));
    }

    @Test
    @Order(2)
    void failover_fences_the_old_primary_with_its_service_stop() throws Exception {
        int before = markerLines("db1").size();
        CliRunner.Result r = cli("failover", "--to", "db2", "--primary-is-healthy", "db1", "--yes").expect(0);
        List<String> lines = markerLines("db1");
        assertEquals(List.of("stop"), lines.subList(before, lines.size()), r::toString);
        assertEquals("f", ops.one("db2", "postgres", "SELECT pg_is_in_recovery()"));
        assertFalse(autoConf("db2").contains("primary_conninfo"), autoConf("db2"));
    }

    @Test
    @Order(3)
    void failback_of_a_crashed_db1_with_its_config_in_etc_rewinds_with_the_config_file_and_leaves_it_unchanged() throws Exception {
        // split brain, then a crash: db1 comes back as a primary by hand, takes writes, and dies with kill -9, so
        // pg_rewind must run its single-user crash recovery, which needs the config file in etc
        assertTrue(sh(etc.resolve("db1-service") + " start").ok());
        ops.exec("db1", "app", "INSERT INTO items(note) SELECT 'lost on db1 ' || g FROM generate_series(1, 200) g");
        killPostmaster("db1");
        int before = markerLines("db1").size();
        // slots left over where they no longer belong (pg_rewind itself empties the old master's pg_replslot): the
        // primary's own name on the primary, the old master's on a standby; and a site's own slot, not ours, kept
        ops.exec("db2", "postgres", "SELECT pg_create_physical_replication_slot('db2', true)",
                "SELECT pg_create_physical_replication_slot('site_tool', false)");
        ops.exec("db3", "postgres", "SELECT pg_create_physical_replication_slot('db1')");

        CliRunner.Result r = cli("failback", "db1", "--yes", "--confirm-host", "db1").expect(0);

        assertTrue(r.err().contains("--config-file=" + etc.resolve("db1").resolve("postgresql.conf")), r::toString);
        // pg_rewind's own lines ("... to complete crash recovery", the backend> prompt) are summarised in one line
        assertTrue(r.err().contains("crash recovery in single-user mode"), "pg_rewind ran its single-user crash recovery\n" + r);
        assertTrue(ops.receiver("db1").startsWith("streaming " + lab.address("db2") + " "), r::toString);
        List<String> lines = markerLines("db1");
        assertEquals(List.of("start"), lines.subList(before, lines.size()), "db1 started as a standby by its service command");
        assertEquals(db1Etc, sums(etc.resolve("db1")), "the config files in etc are byte for byte unchanged");
        assertFalse(Files.exists(ops.data("db1").resolve("postgresql.conf")), "the source's postgresql.conf is not left in db1's data directory");
        assertEquals("0", ops.one("db1", "app", "SELECT count(*) FROM items WHERE note LIKE 'lost on db1%'"));
        String slots = "SELECT coalesce(string_agg(slot_name || CASE WHEN active THEN '(active)' ELSE '' END, ',' ORDER BY slot_name), '')"
                + " FROM pg_replication_slots";
        assertEquals("db1(active),db3(active),site_tool", ops.one("db2", "postgres", slots), r::toString);
        assertEquals("", ops.one("db3", "postgres", slots), r::toString);
        assertEquals("", ops.one("db1", "postgres", slots), r::toString);
        ops.exec("db2", "postgres", "SELECT pg_drop_replication_slot('site_tool')");
        ops.rowArrives("db2", "db1", "after failback with config in etc");
    }

    @Test
    @Order(4)
    void back_to_normal_and_db3_rebuilt_by_base_backup_then_rsync_through_its_service_command() throws Exception {
        cli("switchover", "--to", "db1", "--yes").expect(0);
        assertEquals("f", ops.one("db1", "postgres", "SELECT pg_is_in_recovery()"));

        cli("rebuild", "db3", "--yes", "--confirm-host", "db3").expect(0);
        assertTrue(Files.exists(ops.data("db3").resolve("backup_manifest")), "a base backup writes backup_manifest");
        int before = markerLines("db3").size();
        // from db2, itself made by pg_basebackup: its backup_manifest would come along with the copy
        assertTrue(Files.exists(ops.data("db2").resolve("backup_manifest")), "db2 has a backup_manifest of its own");
        CliRunner.Result r = cli("rebuild", "db3", "--from", "db2", "--method", "rsync", "--yes", "--confirm-host", "db3").expect(0);
        List<String> lines = markerLines("db3");
        assertEquals(List.of("stop", "start"), lines.subList(before, lines.size()), "rsync rebuild stops and starts db3 by its service commands\n" + r);
        assertFalse(Files.exists(ops.data("db3").resolve("backup_manifest")), "the earlier base backup's manifest is gone after the rsync rebuild");
        assertTrue(ops.receiver("db3").startsWith("streaming "), r::toString);
        ops.rowArrives("db1", "db3", "after rsync rebuild");
    }

    @Test
    @Order(5)
    void after_the_cycle_nothing_is_left_behind() throws Exception {
        // db3 cascades from db2 since its rebuild; a switchover there and back makes every standby follow the primary
        // --leave-replica: the failover with a fenced healthy primary left the REPLICA reading from db1, whose logical
        // slot pg_rewind then removed; its repair (repair-replica) is not what this test is about
        cli("switchover", "--to", "db2", "--yes", "--leave-replica").expect(0);
        cli("switchover", "--to", "db1", "--yes", "--leave-replica").expect(0);
        cli("pgbouncer", "point", "--yes", "--to", "db1").expect(0);
        assertEquals("f", ops.one("db1", "postgres", "SELECT pg_is_in_recovery()"));
        String auto = autoConf("db1");
        assertFalse(auto.contains("primary_conninfo") || auto.contains("primary_slot_name"), "the primary's postgresql.auto.conf:\n" + auto);
        for (String h : List.of("db1", "db2", "db3")) {
            LabOps.await("no inactive slot of ours on " + h, Duration.ofSeconds(30), () -> {
                try {
                    return "".equals(ops.one(h, "postgres", "SELECT coalesce(string_agg(slot_name, ','), '') FROM pg_replication_slots"
                            + " WHERE NOT active AND slot_name IN ('db1', 'db2', 'db3', 'db4')"));
                } catch (Exception e) {
                    return false;
                }
            });
        }
        for (String h : List.of("db1", "db2")) {
            List<String> backups;
            try (Stream<Path> s = Files.list(lab.dir().resolve(h))) {
                backups = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("pgbouncer.ini.pgrunbook-")).sorted().toList();
            }
            assertTrue(backups.size() <= KEEP_BACKUPS && !backups.isEmpty(), h + ": " + backups);
        }
        // the archiver accepted every segment, some of them archived twice across the role changes
        assertEquals("f", ops.one("db1", "postgres", "SELECT coalesce(last_failed_time > coalesce(last_archived_time, 'epoch'), false)"
                + " FROM pg_stat_archiver"));
    }

    @Test
    @Order(6)
    void the_labs_archive_command_accepts_the_same_segment_archived_twice_and_refuses_other_bytes() throws Exception {
        String command = ops.one("db1", "postgres", "SHOW archive_command");
        Path archive = lab.dir().resolve("wal_archive");
        Path segment;
        try (Stream<Path> s = Files.list(archive)) {
            segment = s.filter(p -> p.getFileName().toString().matches("[0-9A-F]{24}")).sorted().findFirst().orElseThrow();
        }
        Path copy = lab.dir().resolve("etc").resolve("segment-copy");
        Files.copy(segment, copy);
        String f = segment.getFileName().toString();
        String run = command.replace("%p", "'" + copy + "'").replace("%f", f);
        ExecResult again = sh(run);
        assertTrue(again.ok(), "the same bytes archived again: " + again.tail(5));
        Files.write(copy, new byte[]{1, 2, 3}, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        assertFalse(sh(run).ok(), "other bytes under an archived name are refused");
        try (Stream<Path> s = Files.list(archive)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList(), "no temporary file left");
        }
    }

    @Test
    @Order(7)
    void doctor_names_the_grants_a_non_superuser_rewind_role_and_a_replication_role_without_replication_lack() throws Exception {
        ops.exec("db1", "postgres", "CREATE ROLE rewinder LOGIN", "ALTER ROLE replicator NOREPLICATION");
        Path inv = lab.dir().resolve("inventory-rewinder.yaml");
        Files.writeString(inv, Files.readString(inventory).replace("    user: postgres\n", "    user: rewinder\n"));
        try {
            JsonNode findings = new ObjectMapper().readTree(CliRunner.run("-i", inv.toString(), "--no-color", "-o", "json", "doctor").out());
            List<String> seen = new ArrayList<>();
            JsonNode rewind = null;
            JsonNode repl = null;
            for (JsonNode f : findings.path("findings")) {
                seen.add(f.path("host").asText() + "/" + f.path("check").asText());
                if (f.path("host").asText().equals("db1") && f.path("check").asText().equals("rewind role")) {
                    rewind = f;
                }
                if (f.path("host").asText().equals("db1") && f.path("check").asText().equals("replication role replicator")) {
                    repl = f;
                }
            }
            assertTrue(rewind != null && repl != null, seen + "\n" + findings);
            assertEquals("FAIL", rewind.path("result").asText(), rewind.toString());
            String hint = rewind.path("hint").asText();
            assertTrue(hint.contains("GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean) TO rewinder")
                    && hint.contains("GRANT pg_checkpoint TO rewinder"), hint);
            assertEquals("FAIL", repl.path("result").asText(), repl.toString());
            assertEquals("ALTER ROLE replicator REPLICATION", repl.path("hint").asText());
        } finally {
            ops.exec("db1", "postgres", "ALTER ROLE replicator REPLICATION", "DROP ROLE rewinder");
        }
    }
}
