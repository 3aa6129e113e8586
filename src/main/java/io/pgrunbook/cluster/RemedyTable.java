package io.pgrunbook.cluster;

import io.pgrunbook.inventory.Role;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The estate's remedy table: what to start when a MASTER or SLAVE comes back (reboot, crash), by how the node itself is
 * set up and what its partner (the SLAVE for a MASTER, the MASTER for a SLAVE) is doing. Data, not code: one row per
 * case, exactly as the estate wrote it; {@link Remedy} classifies the nodes and looks the row up.
 */
public final class RemedyTable {
    private RemedyTable() {
    }

    /** How a node counts in the table. */
    public enum Side {
        /** would run as primary: a live primary, or down with no standby.signal / recovery.conf */
        ACTIVE,
        /** configured as a standby: a live standby, or down with standby.signal */
        STANDBY,
        /** unreachable (maybe down) */
        UNKNOWN;

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Where the returning node's PgBouncer leads, or NONE: do not start PgBouncer. */
    public enum PgBouncerTo { MASTER, SLAVE, NONE }

    /**
     * One row: for a returning node of {@code role} that is {@code self}, with its partner {@code partner}.
     *
     * @param note the estate's words for the case ("normal", "split brain", ...)
     */
    public record Row(Role role, Side self, Side partner, String note, boolean startDb, boolean startFeed,
                      PgBouncerTo pgbouncer) {
        public String render() {
            return String.format("| %-7s | %-28s | %-3s | %-4s | %-22s |", self.word(), partner.word() + (note.isEmpty() ? "" : " (" + note + ")"),
                    startDb ? "yes" : "NO", startFeed ? "yes" : "no",
                    pgbouncer == PgBouncerTo.NONE ? "do not start PgBouncer" : pgbouncer.name().toLowerCase(Locale.ROOT));
        }
    }

    private static Row m(Side self, Side slave, String note, boolean db, boolean feed, PgBouncerTo pgb) {
        return new Row(Role.MASTER, self, slave, note, db, feed, pgb);
    }

    private static Row s(Side self, Side master, String note, boolean db, boolean feed, PgBouncerTo pgb) {
        return new Row(Role.SLAVE, self, master, note, db, feed, pgb);
    }

    private static final Side A = Side.ACTIVE;
    private static final Side S = Side.STANDBY;
    private static final Side U = Side.UNKNOWN;

    /** Every row of both tables: MASTER remedy, then SLAVE remedy. */
    public static final List<Row> ROWS = List.of(
            m(A, U, "maybe down", true, true, PgBouncerTo.MASTER),
            m(A, A, "split brain", false, false, PgBouncerTo.SLAVE),
            m(A, S, "normal", true, true, PgBouncerTo.MASTER),
            m(S, U, "", true, false, PgBouncerTo.NONE),
            m(S, A, "normal failover", true, false, PgBouncerTo.SLAVE),
            m(S, S, "", true, false, PgBouncerTo.NONE),
            s(A, U, "maybe down", true, true, PgBouncerTo.SLAVE),
            s(A, A, "split brain", true, false, PgBouncerTo.SLAVE),
            s(A, S, "normal failover", true, true, PgBouncerTo.SLAVE),
            s(S, U, "", true, false, PgBouncerTo.NONE),
            s(S, A, "normal", true, false, PgBouncerTo.MASTER),
            s(S, S, "", true, false, PgBouncerTo.NONE));

    /** The rows for a MASTER or a SLAVE. */
    public static List<Row> rows(Role role) {
        return ROWS.stream().filter(r -> r.role() == role).toList();
    }

    public static Optional<Row> lookup(Role role, Side self, Side partner) {
        return ROWS.stream().filter(r -> r.role() == role && r.self() == self && r.partner() == partner).findFirst();
    }

    /** The header of a role's table, in the estate's words. */
    public static String header(Role role) {
        String me = role == Role.MASTER ? "master" : "slave";
        String other = role == Role.MASTER ? "slave" : "master";
        return String.format("| %-7s | %-28s | %-3s | %-4s | %-22s |", me, other, "db", "feed", "PgBouncer points to");
    }
}
