package io.pgrunbook.pg;

/** SQL for the timeline a node is on, shared by the probe and the actions. */
public final class Timelines {
    private Timelines() {
    }

    /**
     * The timeline a standby follows, as an SQL expression (for a node in recovery): the greatest of the walreceiver's
     * timeline, the last restartpoint's, the minimum recovery end's, and the newest timeline history file in pg_wal
     * (what {@code recovery_target_timeline = latest} follows). With no walreceiver running (its primary died) the
     * restartpoint's timeline alone can be many timelines behind. pg_ls_waldir needs pg_monitor: without it that term
     * is left out.
     */
    public static final String STANDBY_TLI = "greatest((SELECT received_tli FROM pg_stat_wal_receiver),"
            + " (SELECT timeline_id FROM pg_control_checkpoint()),"
            + " (SELECT nullif(min_recovery_end_timeline, 0) FROM pg_control_recovery()),"
            + " CASE WHEN pg_has_role('pg_monitor', 'MEMBER') THEN (SELECT max(('x' || substr(name, 1, 8))::bit(32)::int)"
            + " FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{8}\\.history$') END)";
}
