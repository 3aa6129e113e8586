package io.pgrunbook.pg;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pure parsers behind rebuild and failback: timeline history, pg_basebackup progress, pg_controldata, pg_waldump. */
class RepairParsersTest {
    @Test
    void timeline_history_gives_the_fork_point_of_each_ancestor_timeline() {
        TimelineHistory h = TimelineHistory.parse("1\t0/50079C0\tno recovery target specified\n\n2\t0/7000000\tat restore point \"x\"\n");
        assertEquals(2, h.entries().size());
        assertEquals(Lsn.parse("0/50079C0"), h.forkOf(1).orElseThrow().switchpoint());
        assertEquals("0/7000000", h.forkOf(2).orElseThrow().switchpointText());
        assertEquals("at restore point \"x\"", h.forkOf(2).orElseThrow().reason());
        assertTrue(h.forkOf(3).isEmpty(), "timeline 3 is not an ancestor");
    }

    @Test
    void an_empty_history_has_no_fork_and_a_malformed_line_is_named() {
        assertTrue(TimelineHistory.parse("").forkOf(1).isEmpty());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TimelineHistory.parse("1\t0/1\tok\nbanana\n"));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        assertEquals("00000003.history", TimelineHistory.fileName(3));
    }

    @Test
    void basebackup_progress_line_becomes_bytes_percent_rate_and_eta() {
        BaseBackupProgress p = new BaseBackupProgress(0);
        var s = p.accept("  51200/102400 kB (50%), 0/1 tablespace (/var/lib/postgresql/15/main/base/1/1259)", 2_000_000_000L).orElseThrow();
        assertEquals(51200L * 1024, s.doneBytes());
        assertEquals(102400L * 1024, s.totalBytes());
        assertEquals(50, s.percent());
        assertEquals(51200.0 * 1024 / 2, s.rate(), 1e-6);
        assertEquals(2L, s.etaSeconds());
        assertEquals("50.0 MB / 100.0 MB (50%), 25.0 MB/s, ETA 2s", s.render());
    }

    @Test
    void other_basebackup_output_is_not_progress() {
        assertTrue(BaseBackupProgress.parse("pg_basebackup: initiating base backup, waiting for checkpoint to complete").isEmpty());
        var first = BaseBackupProgress.parse("0/30000 kB (0%), 0/1 tablespace").orElseThrow();
        assertNull(first.rate(), "no rate before time has passed");
        assertNull(first.etaSeconds());
    }

    @Test
    void pg_rewind_progress_lines_parse_like_basebackup() {
        assertEquals(100, BaseBackupProgress.parse("86949/86949 kB (100%) copied").orElseThrow().percent());
    }

    static final String CONTROLDATA = """
            pg_control version number:            1300
            Database system identifier:           7711260937590639179
            Database cluster state:               in production
            Latest checkpoint location:           0/3000060
            Latest checkpoint's TimeLineID:       1
            wal_log_hints setting:                off
            Bytes per WAL segment:                16777216
            Data page checksum version:           1
            """;

    @Test
    void controldata_shows_identity_state_timeline_and_rewind_prerequisites() {
        ControlData c = ControlData.parse(CONTROLDATA);
        assertEquals("7711260937590639179", c.systemIdentifier());
        assertEquals("in production", c.clusterState());
        assertFalse(c.cleanShutdown(), "in production = crashed when the server is down");
        assertEquals(1, c.checkpointTimeline());
        assertTrue(c.checksums());
        assertFalse(c.walLogHints());
        assertEquals(16777216L, c.walSegmentSize());
        assertTrue(ControlData.parse("Database cluster state: shut down in recovery").cleanShutdown());
    }

    @Test
    void waldump_summary_counts_records_relations_and_finds_the_end_of_wal() {
        String out = """
                rmgr: Heap        len (rec/tot):     59/    59, tx:        740, lsn: 0/050079C0, prev 0/05007988, desc: INSERT off 3 flags 0x08, blkref #0: rel 1663/16385/16387 blk 0
                rmgr: Btree       len (rec/tot):     64/    64, tx:        740, lsn: 0/05007A00, prev 0/050079C0, desc: INSERT_LEAF off 3, blkref #0: rel 1663/16385/16394 blk 1
                rmgr: Heap        len (rec/tot):     59/    59, tx:        740, lsn: 0/05007A40, prev 0/05007A00, desc: INSERT off 4 flags 0x08, blkref #0: rel 1663/16385/16387 blk 0
                rmgr: Transaction len (rec/tot):     34/    34, tx:        740, lsn: 0/05007A80, prev 0/05007A40, desc: COMMIT 2026-11-23 07:10:48.1 UTC
                """;
        WalDumpSummary s = WalDumpSummary.parse(out, "pg_waldump: error: error in WAL record at 0/5007A80: invalid record length at 0/5007AA8: wanted 24, got 0\n");
        assertEquals(4, s.records());
        assertEquals("0/050079C0", s.firstLsn());
        assertEquals("0/5007AA8", s.endLsn());
        assertEquals(2, s.relations().get("1663/16385/16387"));
        assertEquals(1, s.relations().get("1663/16385/16394"));
        assertEquals(1, s.xids());
        assertTrue(s.render().contains("1663/16385/16387=2"), s.render());
    }

    @Test
    void waldump_without_an_error_line_ends_after_the_last_record_aligned() {
        String out = "rmgr: XLOG        len (rec/tot):    114/   114, tx:          0, lsn: 0/06000028, prev 0/050079C0, desc: CHECKPOINT_SHUTDOWN\n";
        assertEquals("0/60000A0", WalDumpSummary.parse(out, "").endLsn());
        assertNull(WalDumpSummary.parse("", "").endLsn(), "nothing read: no end known");
    }

    @Test
    void kept_config_files_are_the_standard_ones_plus_relative_includes() {
        String conf = """
                shared_buffers = 128MB
                include_if_exists = 'pgrunbook-lab.conf'
                include 'site.conf'   # no '=' is valid too
                include = '/etc/postgresql/common.conf'
                #include = 'commented.conf'
                include_dir = 'conf.d'
                """;
        assertEquals(List.of("postgresql.conf", "pg_hba.conf", "pg_ident.conf", "pgrunbook-lab.conf", "site.conf"), ConfigFiles.kept(conf));
        assertEquals(ConfigFiles.STANDARD, ConfigFiles.kept(null), "an unreadable postgresql.conf keeps the standard names");
    }

    @Test
    void rsync_exclusions_leave_out_runtime_files_wal_slots_and_the_kept_configs_anchored_at_the_top() {
        List<String> ex = ConfigFiles.rsyncExcludes(List.of("postgresql.conf", "pgrunbook-lab.conf"));
        for (String must : List.of("/postmaster.pid", "/postmaster.opts", "/pg_wal/*", "/pg_replslot/*", "pgsql_tmp*", "/pg_stat_tmp/*",
                "/standby.signal", "/backup_label.old", "/postgresql.conf", "/pgrunbook-lab.conf")) {
            assertTrue(ex.contains(must), must + " in " + ex);
        }
        assertFalse(ex.contains("/postgresql.auto.conf"), "auto.conf comes from the source; StandbyConfig rewrites its standby lines");
        assertFalse(ex.contains("/base"), "the data itself is copied");
    }
}
