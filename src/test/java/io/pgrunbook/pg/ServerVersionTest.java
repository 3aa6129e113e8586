package io.pgrunbook.pg;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServerVersionTest {
    @Test
    void replay_pause_is_asked_with_the_pause_state_from_14_and_the_boolean_before() {
        assertEquals("pg_is_wal_replay_paused()", new ServerVersion(120022).replayPausedSql());
        assertEquals("pg_is_wal_replay_paused()", new ServerVersion(130023).replayPausedSql());
        for (int v : new int[]{140024, 150010, 160015, 170011}) {
            assertEquals("(pg_get_wal_replay_pause_state() <> 'not paused')", new ServerVersion(v).replayPausedSql());
        }
    }

    @Test
    void base_backup_is_non_exclusive_on_every_version_with_the_names_of_each() {
        for (int v : new int[]{120022, 130023, 140024}) {
            ServerVersion s = new ServerVersion(v);
            assertEquals("SELECT pg_start_backup(?, true, false)", s.backupStartSql());
            assertEquals("SELECT lsn::text, labelfile, spcmapfile FROM pg_stop_backup(false, false)", s.backupStopSql());
        }
        for (int v : new int[]{150010, 160015, 170011}) {
            ServerVersion s = new ServerVersion(v);
            assertEquals("SELECT pg_backup_start(?, true)", s.backupStartSql());
            assertEquals("SELECT lsn::text, labelfile, spcmapfile FROM pg_backup_stop(false)", s.backupStopSql());
        }
    }

    @Test
    void wal_keep_is_in_segments_in_12_and_in_megabytes_from_13() {
        assertEquals("wal_keep_segments = 4", new ServerVersion(120022).walKeepSetting(64, 16));
        assertEquals("wal_keep_size = 64MB", new ServerVersion(130023).walKeepSetting(64, 16));
        assertEquals("wal_keep_size = 64MB", new ServerVersion(170011).walKeepSetting(64, 16));
    }

    @Test
    void pg_rewind_restores_target_wal_from_13_only() {
        assertFalse(new ServerVersion(120022).rewindRestoresTargetWal());
        assertTrue(new ServerVersion(130000).rewindRestoresTargetWal());
        assertTrue(new ServerVersion(170011).rewindRestoresTargetWal());
    }

    @Test
    void pg_version_file_gives_the_major_and_junk_is_refused() {
        assertEquals(12, ServerVersion.ofPgVersionFile("12\n").major());
        assertEquals(17, ServerVersion.ofPgVersionFile("17").major());
        assertEquals("16.15", new ServerVersion(160015).toString());
        assertThrows(IllegalArgumentException.class, () -> ServerVersion.ofPgVersionFile("9.6"));
        assertThrows(IllegalArgumentException.class, () -> ServerVersion.ofPgVersionFile(""));
    }
}
