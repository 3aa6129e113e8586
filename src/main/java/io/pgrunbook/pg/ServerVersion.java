package io.pgrunbook.pg;

import org.postgresql.core.BaseConnection;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A PostgreSQL server's version as {@code server_version_num} (150010 for 15.10), and the SQL and files that differ
 * between the majors pgrunbook supports (12 to 17): one place for every version switch of the product.
 */
public record ServerVersion(int num) {
    /** The oldest major the procedures are written for: pg_promote(), standby.signal and recovery in postgresql.conf. */
    public static final int OLDEST_MAJOR = 12;

    public ServerVersion {
        if (num < 90000) {
            throw new IllegalArgumentException("not a server_version_num: " + num);
        }
    }

    /**
     * The version of the server behind {@code c}, without a round trip: PgJDBC keeps the {@code server_version} the
     * server sent when the session started, so a session reads it once. A connection PgJDBC did not make is asked.
     */
    public static ServerVersion of(Connection c) throws SQLException {
        if (c.isWrapperFor(BaseConnection.class)) {
            int n = c.unwrap(BaseConnection.class).getQueryExecutor().getServerVersionNum();
            if (n >= 90000) {
                return new ServerVersion(n);
            }
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT current_setting('server_version_num')::int")) {
            rs.next();
            return new ServerVersion(rs.getInt(1));
        }
    }

    /** From a data directory's PG_VERSION file ("12", "17"): the major only. */
    public static ServerVersion ofPgVersionFile(String text) {
        String s = text == null ? "" : text.strip();
        if (!s.matches("\\d{2}")) {
            throw new IllegalArgumentException("PG_VERSION holds '" + s + "', not a major version of 10 or later");
        }
        return new ServerVersion(Integer.parseInt(s) * 10000);
    }

    public int major() {
        return num / 10000;
    }

    public boolean atLeast(int major) {
        return major() >= major;
    }

    /**
     * Whether replay is paused (or a pause is requested) on a standby. From 14, {@code pg_get_wal_replay_pause_state()}
     * tells a requested pause from one that took effect; both mean the standby will not replay further, so both count.
     */
    public String replayPausedSql() {
        return atLeast(14) ? "(pg_get_wal_replay_pause_state() <> 'not paused')" : "pg_is_wal_replay_paused()";
    }

    /** Starts a non-exclusive base backup (label as parameter 1, an immediate checkpoint); the session must stay open. */
    public String backupStartSql() {
        // pg_start_backup's third argument false is the non-exclusive mode; 15 removed the exclusive one with the name
        return atLeast(15) ? "SELECT pg_backup_start(?, true)" : "SELECT pg_start_backup(?, true, false)";
    }

    /** Ends the backup of {@link #backupStartSql()} in the same session: its end LSN, backup_label and tablespace_map. */
    public String backupStopSql() {
        // wait_for_archive false: the rebuilt standby streams, and it must not wait on a slow archive_command
        return atLeast(15) ? "SELECT lsn::text, labelfile, spcmapfile FROM pg_backup_stop(false)"
                : "SELECT lsn::text, labelfile, spcmapfile FROM pg_stop_backup(false, false)";
    }

    /** The postgresql.conf line that keeps {@code megabytes} of WAL for standbys: wal_keep_size from 13, segments in 12. */
    public String walKeepSetting(int megabytes, int segmentMegabytes) {
        return atLeast(13) ? "wal_keep_size = " + megabytes + "MB"
                : "wal_keep_segments = " + Math.max(1, megabytes / segmentMegabytes);
    }

    /** A running standby takes a new primary_conninfo on reload from 13; in 12 only when restarted. */
    public boolean primaryConninfoReloadable() {
        return atLeast(13);
    }

    /** pg_rewind can fetch missing target WAL through the target's restore_command from 13 on. */
    public boolean rewindRestoresTargetWal() {
        return atLeast(13);
    }

    @Override
    public String toString() {
        return major() + "." + (num % 10000);
    }
}
