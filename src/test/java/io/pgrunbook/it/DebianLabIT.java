package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgrunbook.lab.LabLayout;
import io.pgrunbook.lab.LabShape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The main cycle on an estate shaped as Debian makes it (lab up --layout debian): clusters of postgresql-common with
 * their configuration in /etc/postgresql/15/NAME, pg_ctlcluster as the inventory's service commands, scram passwords
 * only in .pgpass files, SSH as pgrunbook-dba which becomes postgres with sudo, PgBouncer with an auth_file.
 */
class DebianLabIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void debian_estate_runs_the_main_cycle_over_ssh_with_sudo_and_ends_healthy() throws Exception {
        LabFixture lab = LabFixture.start("debian", LabNets.DEBIAN.base(), true, LabShape.DEBIAN);
        LabLayout layout = new LabLayout(lab.dir(), lab.address("db1"), LabShape.DEBIAN);
        try {
            Map<String, String> env = lab.env();
            // Issue 10 item 2 (branch h8-sitesettings) makes the product use config_file and the service commands
            // everywhere; what it must then do is checked at the end, so that the rest of the cycle runs before it
            List<Executable> siteSettings = new ArrayList<>();
            String inv = lab.info().sshInventory().toString();
            String text = Files.readString(lab.info().sshInventory());
            assertTrue(text.contains("user: " + LabLayout.DBA_USER) && text.contains("become: postgres")
                    && text.contains("config_file: \"/etc/postgresql/15/" + layout.clusterName("db1") + "/postgresql.conf\"")
                    && text.contains("pg_ctlcluster 15 " + layout.clusterName("db1") + " stop"), text);
            assertFalse(text.toLowerCase().contains("password:"), text);
            assertFalse(Files.exists(lab.dir().resolve("db1/data/postgresql.conf")), "the configuration lives in /etc");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(lab.dir().resolve("pgpass"))));
            assertTrue(Files.exists(layout.sudoersDropIn()));

            // without the operator's password file nothing gets in: the lab really is scram, not trust
            JsonNode s = JSON.readTree(CliRunner.run(Map.of("PGPASSFILE", "/dev/null"), "-i", inv, "status", "-o", "json").out());
            assertNotEquals("HEALTHY", s.get("verdict").asText(), s::toPrettyString);
            s = status(env, inv, 0);
            assertEquals("HEALTHY", s.get("verdict").asText(), s::toPrettyString);
            assertEquals("db1", LabState.host(s, "db2").get("pgbouncer_target").asText(), s::toPrettyString);
            CliRunner.Result doctor = CliRunner.run(env, "-i", inv, "doctor");
            assertFalse(doctor.out().contains("FAIL"), doctor::toString);
            CliRunner.run(env, "-i", inv, "smoke").expect(0);

            CliRunner.Result sw = CliRunner.run(env, "-i", inv, "switchover", "--to", "db2", "--yes").expect(0);
            assertTrue(sw.toString().contains("pg_ctlcluster 15 " + layout.clusterName("db1") + " stop"), sw::toString);
            s = status(env, inv, 1);
            assertEquals("FAILOVER_STATE", s.get("verdict").asText(), s::toPrettyString);
            assertEquals("db2", LabState.host(s, "db1").get("upstream").asText(), s::toPrettyString);
            CliRunner.run(env, "-i", inv, "switchover", "--to", "db1", "--yes").expect(0);
            s = status(env, inv, 0);
            assertEquals("HEALTHY", s.get("verdict").asText(), s::toPrettyString);
            assertClustersOnline(layout);

            String before = postmaster(lab, "db3");
            CliRunner.run(env, "-i", inv, "rebuild", "db3", "--method", "basebackup", "--yes", "--confirm-host", "db3").expect(0);
            String afterBasebackup = postmaster(lab, "db3");
            assertNotEquals(before, afterBasebackup);
            CliRunner.Result rsync = CliRunner.run(env, "-i", inv, "rebuild", "db3", "--method", "rsync", "--yes",
                    "--confirm-host", "db3").expect(0);
            // the plan names pg_ctl -m immediate only as the fallback when the service stop leaves it running
            siteSettings.add(() -> assertTrue(rsync.toString().contains("postgres.service.stop: sudo -n -u postgres pg_ctlcluster")
                            && !rsync.toString().contains("pg_ctl stop -m fast"),
                    "the rsync rebuild must stop db3 with the inventory's service.stop (pg_ctlcluster), not pg_ctl:\n" + rsync));
            assertNotEquals(afterBasebackup, postmaster(lab, "db3"));
            ops(lab).rowArrives("db1", "db3", "debian: after both rebuilds");
            s = status(env, inv, 0);
            assertEquals("HEALTHY", s.get("verdict").asText(), s::toPrettyString);
            assertClustersOnline(layout);

            Map<String, String> etcBefore = etcSums(layout, "db1");
            assertEquals(0, new ProcessBuilder("kill", "-9", postmaster(lab, "db1")).start().waitFor());
            Thread.sleep(300);
            CliRunner.run(env, "-i", inv, "failover", "--to", "db2", "--yes").expect(0);
            try (Connection c = lab.connect("db2", "app"); Statement st = c.createStatement()) {
                st.execute("INSERT INTO items(note) VALUES ('debian: written in failover state')");
            }
            s = status(env, inv, 1);
            assertEquals("db2", s.get("primary").asText(), s::toPrettyString);

            // Issue 10 item 2 (branch h8-sitesettings): the crashed master's configuration is in /etc, so pg_rewind
            // must be given it (--config-file) for its single-user crash recovery of db1. Until that is merged this
            // step fails with: postgres: could not access the server configuration file "<data>/postgresql.conf":
            // No such file or directory; pg_rewind: error: postgres single-user mode in target cluster failed.
            CliRunner.Result back = CliRunner.run(env, "-i", inv, "failback", "db1", "--switchover", "--yes",
                    "--confirm-host", "db1").expect(0);
            assertEquals(etcBefore, etcSums(layout, "db1"), "failback changed db1's files in /etc");
            // restore_command is set in /etc/.../conf.d: read with config_file, pg_rewind gets --restore-target-wal
            siteSettings.add(() -> assertFalse(back.toString().contains("no restore_command"),
                    "the failback must find db1's restore_command in its config_file:\n" + back));

            CliRunner.run(env, "-i", inv, "repair-replica", "db4", "--yes", "--confirm-host", "db4").expect(0);
            s = status(env, inv, 0);
            assertEquals("HEALTHY", s.get("verdict").asText(), s::toPrettyString);
            assertEquals("db1", s.get("primary").asText(), s::toPrettyString);
            LabState.awaitRow(lab, "db4", "debian: written in failover state");
            ops(lab).rowArrives("db1", "db2", "debian: the morning after");
            assertClustersOnline(layout);

            // sudo under requiretty runs nothing of pgrunbook's (no terminal): doctor names the sudoers line, a
            // procedure is refused with it, instead of "missing data directory" and a NOPASSWD hint already in place
            Path tty = layout.sudoersDropIn().resolveSibling(layout.sudoersDropIn().getFileName() + "-requiretty");
            try {
                Files.writeString(tty, "Defaults:" + LabLayout.DBA_USER + " requiretty\n");
                Files.setPosixFilePermissions(tty, PosixFilePermissions.fromString("r--r-----"));
                CliRunner.Result d = CliRunner.run(env, "-i", inv, "doctor").expect(1);
                assertEquals(1, d.rows("db1", "become", "FAIL", "sudo", "refuses").size(), d::toString);
                assertTrue(d.out().contains("'Defaults:" + LabLayout.DBA_USER + " !requiretty'"), d::toString);
                assertEquals(0, d.rows("db1", "data", "directory").size(), d::toString);
                CliRunner.Result so = CliRunner.run(env, "-i", inv, "switchover", "--to", "db2", "--yes").expect(3);
                assertTrue(so.err().contains("(Defaults requiretty): add 'Defaults:" + LabLayout.DBA_USER
                        + " !requiretty' in /etc/sudoers.d on this host"), so::toString);
            } finally {
                Files.deleteIfExists(tty);
            }
            CliRunner.run(env, "-i", inv, "doctor").expect(0);
            assertAll("site settings (issue 10 item 2)", siteSettings);
        } finally {
            lab.stop();
        }
        // lab down leaves nothing of the lab on the machine
        for (String h : List.of("db1", "db2", "db3", "db4")) {
            assertFalse(Files.exists(layout.confDir(h)), layout.confDir(h) + " left behind");
        }
        assertFalse(Files.exists(layout.sudoersDropIn()), layout.sudoersDropIn() + " left behind");
        assertFalse(Files.exists(lab.dir()), lab.dir() + " left behind");
    }

    private static JsonNode status(Map<String, String> env, String inv, int code) throws Exception {
        return JSON.readTree(CliRunner.run(env, "-i", inv, "status", "-o", "json").expect(code).out());
    }

    private static LabOps ops(LabFixture lab) {
        return new LabOps(lab);
    }

    private static String postmaster(LabFixture lab, String host) throws Exception {
        return Files.readAllLines(lab.dir().resolve(host).resolve("data/postmaster.pid")).get(0).trim();
    }

    /** pg_lsclusters agrees with the servers: every cluster of the lab is online (pg_ctlcluster kept in step). */
    private static void assertClustersOnline(LabLayout layout) throws Exception {
        Process p = new ProcessBuilder("pg_lsclusters", "--no-header").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        for (String h : List.of("db1", "db2", "db3", "db4")) {
            String line = out.lines().filter(l -> l.split("\\s+").length > 1 && l.split("\\s+")[1].equals(layout.clusterName(h)))
                    .findFirst().orElse("(missing)");
            assertTrue(line.contains("online"), "pg_lsclusters: " + line + "\n" + out);
        }
    }

    /** sha256 of every file in the host's /etc/postgresql/15/NAME (conf.d too). */
    private static Map<String, String> etcSums(LabLayout layout, String host) throws Exception {
        Map<String, String> out = new TreeMap<>();
        Path dir = layout.confDir(host);
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).toList()) {
                out.put(dir.relativize(p).toString(),
                        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
            }
        }
        assertTrue(out.containsKey("postgresql.conf") && out.containsKey("pg_hba.conf"), out::toString);
        return out;
    }
}
