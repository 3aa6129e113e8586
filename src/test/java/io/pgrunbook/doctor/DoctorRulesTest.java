package io.pgrunbook.doctor;

import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DoctorRulesTest {
    private static final OffsetDateTime T = OffsetDateTime.parse("2026-01-01T10:00:00Z");

    @Test
    void major_reads_modern_and_pre_10_versions() {
        assertEquals("15", DoctorRules.major("pg_ctl (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n"));
        assertEquals("9.6", DoctorRules.major("pg_ctl (PostgreSQL) 9.6.24"));
        assertNull(DoctorRules.major("sh: pg_ctl: not found"));
    }

    @Test
    void same_major_fails_when_hosts_differ() {
        Map<String, String> m = new LinkedHashMap<>(Map.of("db1", "15"));
        assertEquals(Finding.Result.PASS, DoctorRules.sameMajor(m).result());
        m.put("db2", "16");
        assertEquals(Finding.Result.FAIL, DoctorRules.sameMajor(m).result());
    }

    @Test
    void archiver_is_broken_when_the_last_failure_is_newer_than_the_last_success() {
        Finding f = DoctorRules.archiver("db1", "on", 3, T, T.plusMinutes(1), "000000010000000000000005", 2);
        assertEquals(Finding.Result.FAIL, f.result());
        assertTrue(f.detail().startsWith("failing"), f.detail());
        assertTrue(f.hint().contains("by hand"));
    }

    @Test
    void archiver_passes_after_an_old_failure_that_a_success_followed() {
        assertEquals(Finding.Result.PASS, DoctorRules.archiver("db1", "on", 1, T.plusMinutes(2), T, null, 0).result());
    }

    @Test
    void archiver_that_never_succeeded_but_failed_is_broken_and_archive_mode_off_fails() {
        assertEquals(Finding.Result.FAIL, DoctorRules.archiver("db1", "on", 1, null, T, null, null).result());
        assertEquals(Finding.Result.FAIL, DoctorRules.archiver("db1", "off", 0, null, null, null, null).result());
        assertEquals(Finding.Result.PASS, DoctorRules.archiver("db1", "on", 0, null, null, null, null).result());
    }

    @Test
    void archiver_with_many_ready_files_is_falling_behind() {
        assertEquals(Finding.Result.FAIL, DoctorRules.archiver("db1", "on", 0, T, null, null, 50).result());
    }

    @Test
    void slots_flags_missing_standby_slots_and_inactive_slots_with_retained_wal() {
        List<Finding> f = DoctorRules.slots("db1", List.of("db2", "db3"), List.of(
                new DoctorRules.Slot("db2", "physical", true, 100L),
                new DoctorRules.Slot("ghost", "physical", false, 48L * 1024 * 1024)));
        assertEquals(3, f.size(), f.toString());
        Finding missing = f.stream().filter(x -> x.check().equals("slot db3")).findFirst().orElseThrow();
        assertEquals(Finding.Result.FAIL, missing.result());
        assertTrue(missing.hint().contains("pg_create_physical_replication_slot('db3')"));
        Finding ghost = f.stream().filter(x -> x.check().equals("slot ghost")).findFirst().orElseThrow();
        assertEquals(Finding.Result.FAIL, ghost.result());
        assertTrue(ghost.detail().contains("48.0 MB"), ghost.detail());
        assertTrue(ghost.hint().contains("pg_drop_replication_slot('ghost')"));
        assertEquals(Finding.Result.PASS, f.stream().filter(x -> x.check().equals("slot db2")).findFirst().orElseThrow().result());
    }

    @Test
    void wal_senders_need_room_for_a_rebuild() {
        assertEquals(Finding.Result.PASS, DoctorRules.walSenders("db1", 10, 3).result());
        assertEquals(Finding.Result.FAIL, DoctorRules.walSenders("db1", 4, 3).result());
    }

    @Test
    void disk_fails_when_free_space_is_below_the_largest_database() {
        assertEquals(Finding.Result.PASS, DoctorRules.disk("db1", "/d", 1024 * 1024, 512L * 1024 * 1024).result());
        assertEquals(Finding.Result.FAIL, DoctorRules.disk("db1", "/d", 1024, 512L * 1024 * 1024).result());
    }

    @Test
    void df_available_column_is_read_from_posix_output() {
        String df = "Filesystem     1024-blocks     Used Available Capacity Mounted on\n/dev/sda1  102400000 20000000  82400000      20% /\n";
        assertEquals(82400000L, DoctorRules.dfAvailableKb(df));
        assertNull(DoctorRules.dfAvailableKb("df: /nope: No such file or directory"));
    }

    @Test
    void clock_skew_over_two_seconds_fails_either_way() {
        assertEquals(Finding.Result.PASS, DoctorRules.clock("db1", 1.9).result());
        assertEquals(Finding.Result.FAIL, DoctorRules.clock("db1", 2.5).result());
        assertEquals(Finding.Result.FAIL, DoctorRules.clock("db1", -3).result());
    }

    @Test
    void rewind_needs_checksums_or_wal_log_hints_and_standbys_need_restore_command() {
        assertEquals(Finding.Result.PASS, DoctorRules.rewindable("db1", "off", "on").result());
        assertEquals(Finding.Result.FAIL, DoctorRules.rewindable("db1", "off", "off").result());
        assertEquals(Finding.Result.FAIL, DoctorRules.restoreCommand("db2", "").result());
    }

    @Test
    void a_tablespace_is_listed_with_its_size_and_fails_when_its_directory_is_missing_unwritable_or_not_where_the_inventory_says() {
        Finding ok = DoctorRules.tablespace("db3", "app_ts", "/srv/ts/app", 8L << 20, "/srv/ts/app", "ok", "postgres");
        assertEquals(Finding.Result.PASS, ok.result());
        assertEquals("tablespace app_ts", ok.check());
        assertTrue(ok.detail().startsWith("/srv/ts/app, 8") && ok.detail().endsWith("directory writable by postgres"), ok.detail());
        Finding missing = DoctorRules.tablespace("db3", "app_ts", "/srv/ts/app", null, "/srv/ts/app", "missing", "postgres");
        assertEquals(Finding.Result.FAIL, missing.result());
        assertTrue(missing.hint().contains("rebuild db3"), missing.hint());
        assertTrue(DoctorRules.tablespace("db3", "app_ts", "/srv/ts/app", null, "/srv/ts/app", "readonly", "postgres").hint()
                .equals("chown -R postgres /srv/ts/app"));
        Finding elsewhere = DoctorRules.tablespace("db3", "app_ts", "/srv/ts/app", 1L, "/srv/ts/app-db3", "ok", "postgres");
        assertEquals(Finding.Result.FAIL, elsewhere.result());
        assertTrue(elsewhere.detail().contains("postgres.tablespace_map puts it at /srv/ts/app-db3"), elsewhere.detail());
    }

    @Test
    void an_archive_command_that_refuses_any_existing_file_is_named_as_the_cause_with_the_command_to_set() {
        String site = "test ! -f /var/lib/postgresql/wal_archive/%f && cp %p /var/lib/postgresql/wal_archive/%f";
        assertTrue(DoctorRules.refusesArchivedSegment(site));
        assertTrue(DoctorRules.refusesArchivedSegment("[ ! -f '/arch'/%f ] && cp %p '/arch'/%f"));
        Finding f = DoctorRules.archiver("db2", "on", 4, T, T.plusMinutes(1), "00000002000000000000000A", 1, site);
        assertEquals(Finding.Result.FAIL, f.result());
        assertTrue(f.detail().contains("refuses a segment already in the archive (00000002000000000000000A)"), f.detail());
        assertTrue(f.hint().contains("ALTER SYSTEM SET archive_command = 'if [ -f /var/lib/postgresql/wal_archive/%f ]; then cmp -s %p"
                + " /var/lib/postgresql/wal_archive/%f; else cp %p /var/lib/postgresql/wal_archive/.%f.tmp"), f.hint());
        assertTrue(f.hint().contains("pg_reload_conf()"), f.hint());
    }

    @Test
    void an_archive_command_that_compares_or_does_something_else_is_not_blamed_on_archived_segments() {
        assertTrue(!DoctorRules.refusesArchivedSegment(DoctorRules.idempotentArchiveCommand("/arch")));
        assertTrue(!DoctorRules.refusesArchivedSegment("test ! -f /arch/%f || cmp -s %p /arch/%f"));
        assertTrue(!DoctorRules.refusesArchivedSegment("false"));
        assertTrue(!DoctorRules.refusesArchivedSegment(null));
        Finding f = DoctorRules.archiver("db1", "on", 1, null, T, null, null, "false");
        assertTrue(f.hint().contains("archive_command by hand"), f.hint());
    }

    /** The recommended command, run by a real shell as the archiver would: twice the same bytes is fine, other bytes are not. */
    @Test
    void the_recommended_archive_command_accepts_identical_bytes_and_refuses_different_ones(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path arch = java.nio.file.Files.createDirectory(dir.resolve("arch"));
        java.nio.file.Path seg = dir.resolve("000000010000000000000003");
        java.nio.file.Files.write(seg, new byte[]{1, 2, 3});
        String cmd = DoctorRules.idempotentArchiveCommand("'" + arch + "'").replace("%p", "'" + seg + "'").replace("%f", seg.getFileName().toString());
        assertEquals(0, sh(cmd), "first archiving");
        assertEquals(0, sh(cmd), "the same segment again, identical bytes");
        java.nio.file.Files.write(seg, new byte[]{9});
        assertTrue(sh(cmd) != 0, "a different segment under an archived name is refused");
        assertEquals(List.of("000000010000000000000003"), java.nio.file.Files.list(arch).map(p -> p.getFileName().toString()).toList(),
                "no temporary file left beside it");
        assertEquals(3, java.nio.file.Files.size(arch.resolve("000000010000000000000003")));
    }

    private static int sh(String cmd) throws Exception {
        return new ProcessBuilder("sh", "-c", cmd).inheritIO().start().waitFor();
    }

    @Test
    void a_rewind_role_that_is_not_superuser_is_told_each_missing_grant() {
        Map<String, Boolean> exec = new LinkedHashMap<>();
        DoctorRules.REWIND_FUNCTIONS.forEach(f -> exec.put(f, true));
        exec.put("pg_catalog.pg_stat_file(text, boolean)", false);
        Finding f = DoctorRules.rewindRole("db1", "dba", false, exec, false);
        assertEquals(Finding.Result.FAIL, f.result());
        assertTrue(f.detail().contains("2 privilege(s) missing"), f.detail());
        assertEquals("GRANT EXECUTE ON FUNCTION pg_catalog.pg_stat_file(text, boolean) TO dba; GRANT pg_checkpoint TO dba"
                + " (PostgreSQL 15+; before 15 CHECKPOINT needs a superuser)", f.hint());
        exec.put("pg_catalog.pg_stat_file(text, boolean)", true);
        assertEquals(Finding.Result.PASS, DoctorRules.rewindRole("db1", "dba", false, exec, true).result());
        assertEquals(Finding.Result.PASS, DoctorRules.rewindRole("db1", "postgres", true, Map.of(), false).result());
    }

    @Test
    void a_replication_role_needs_to_exist_log_in_and_have_replication() {
        List<String> by = List.of("db2", "db3");
        Finding none = DoctorRules.replicationRole("db1", new DoctorRules.RoleFacts("replicator", false, false, false, false), by);
        assertEquals(Finding.Result.FAIL, none.result());
        assertTrue(none.hint().startsWith("CREATE ROLE replicator REPLICATION LOGIN"), none.hint());
        Finding noRepl = DoctorRules.replicationRole("db1", new DoctorRules.RoleFacts("replicator", true, false, true, false), by);
        assertEquals("ALTER ROLE replicator REPLICATION", noRepl.hint());
        assertTrue(noRepl.detail().contains("used by db2, db3"), noRepl.detail());
        Finding noLogin = DoctorRules.replicationRole("db1", new DoctorRules.RoleFacts("replicator", true, false, false, false), by);
        assertEquals("ALTER ROLE replicator LOGIN REPLICATION", noLogin.hint());
        assertEquals(Finding.Result.PASS, DoctorRules.replicationRole("db1", new DoctorRules.RoleFacts("replicator", true, false, true, true), by).result());
    }

    @Test
    void a_noisy_login_passes_with_its_size_first_line_and_fix_and_a_quiet_one_adds_no_row() {
        Finding f = DoctorRules.loginNoise("db1", "Welcome \u00e9\n\u001b[1mstty: not a tty\n");
        assertEquals(Finding.Result.PASS, f.result());
        assertEquals("the login shell prints 31 bytes on a non-interactive command (first line: 'Welcome \u00e9'):"
                + " pgrunbook ignores them", f.detail());
        assertTrue(f.hint().contains("'not interactive: return' guard of ~/.bashrc"), f.hint());
        assertNull(DoctorRules.loginNoise("db1", ""));
        assertTrue(io.pgrunbook.remote.SudoTty.refusal("sudo: sorry, you must have a tty to run sudo\n"));
    }
}
