package io.pgrunbook.londiste;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * What PgQ and Londiste say of themselves, through their own SQL API (pgq_node.get_node_info, londiste.get_table_list,
 * pgq.get_consumer_info, pgq.get_queue_info), and the one write a repoint needs (pgq_node.register_location). Read on
 * the leaf (the REPLICA) or on the provider (the live primary, which carries the queue).
 */
public final class PgQ {
    private PgQ() {
    }

    /** The leaf's node: who it reads from, where that is, its worker's name and last applied tick. */
    public record Leaf(String nodeType, String providerNode, String providerLocation, String workerName, Long lastTick,
                       boolean paused, boolean uptodate) {
    }

    /** The worker as a consumer of the queue on the provider: how far behind, when it last asked for a batch. */
    public record Consumer(Double lagSeconds, Double lastSeenSeconds, Long pendingEvents, Long lastTick) {
    }

    /** The queue's ticker on the provider: seconds since the last tick, the idle period it keeps when nothing happens. */
    public record Ticker(Double lagSeconds, Double idleSeconds, Long lastTick) {
        /** A ticker that ticked within its idle period (plus slack): pgqd runs and can write. */
        public boolean alive() {
            return lagSeconds != null && lagSeconds <= (idleSeconds == null ? 60 : idleSeconds) + 15;
        }
    }

    /** Null when this database has no node for the queue (Londiste not installed, or another queue). */
    public static Leaf leaf(Connection c, String queue) throws SQLException {
        if (!installed(c, "pgq_node")) {
            return null;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT ret_code, node_type, provider_node, provider_location, worker_name,"
                + " worker_last_tick, worker_paused, worker_uptodate FROM pgq_node.get_node_info(?)")) {
            ps.setString(1, queue);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || rs.getInt(1) != 100) {
                    return null;
                }
                long t = rs.getLong(6);
                Long tick = rs.wasNull() ? null : t;
                return new Leaf(rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), tick, rs.getBoolean(7), rs.getBoolean(8));
            }
        }
    }

    /** Tables of the leaf that are not in sync ("public.items (in-copy)"); empty when all are. */
    public static List<String> tablesNotInSync(Connection c, String queue) throws SQLException {
        List<String> out = new ArrayList<>();
        if (!installed(c, "londiste")) {
            return out;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT table_name, coalesce(merge_state, 'not subscribed')"
                + " FROM londiste.get_table_list(?) WHERE local AND merge_state IS DISTINCT FROM 'ok' ORDER BY 1")) {
            ps.setString(1, queue);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1) + " (" + rs.getString(2) + ")");
                }
            }
        }
        return out;
    }

    /** The tables the leaf replays (merge_state ok or copying), by name. */
    public static List<String> localTables(Connection c, String queue) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT table_name FROM londiste.get_table_list(?) WHERE local ORDER BY 1")) {
            ps.setString(1, queue);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /** Null when the provider has no such consumer on the queue. */
    public static Consumer consumer(Connection provider, String queue, String consumer) throws SQLException {
        try (PreparedStatement ps = provider.prepareStatement("SELECT extract(epoch FROM lag)::float8, extract(epoch FROM last_seen)::float8,"
                + " pending_events, last_tick FROM pgq.get_consumer_info(?, ?)")) {
            ps.setString(1, queue);
            ps.setString(2, consumer);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new Consumer(dbl(rs, 1), dbl(rs, 2), lng(rs, 3), lng(rs, 4));
            }
        }
    }

    /** Null when the provider has no such queue. */
    public static Ticker ticker(Connection provider, String queue) throws SQLException {
        if (!installed(provider, "pgq")) {
            return null;
        }
        try (PreparedStatement ps = provider.prepareStatement("SELECT extract(epoch FROM ticker_lag)::float8,"
                + " extract(epoch FROM queue_ticker_idle_period)::float8, last_tick_id FROM pgq.get_queue_info(?)")) {
            ps.setString(1, queue);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new Ticker(dbl(rs, 1), dbl(rs, 2), lng(rs, 3));
            }
        }
    }

    /** Where {@code node} is, as this database's cascade knows it (pgq_node.node_location); null when unknown. */
    public static String location(Connection c, String queue, String node) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT node_location FROM pgq_node.node_location WHERE queue_name = ? AND node_name = ?")) {
            ps.setString(1, queue);
            ps.setString(2, node);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /**
     * Records where {@code node} is now. A promoted physical standby is the old root under the same node name: the
     * queue, its ticks and the leaf's consumer position came with the WAL, so only the location changes, on the new
     * root itself and on the leaf (whose worker reads the provider's location from its own database).
     */
    public static void registerLocation(Connection c, String queue, String node, String location) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT ret_code, ret_note FROM pgq_node.register_location(?, ?, ?, false)")) {
            ps.setString(1, queue);
            ps.setString(2, node);
            ps.setString(3, location);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getInt(1) >= 300) {
                    throw new SQLException("pgq_node.register_location(" + queue + ", " + node + "): " + rs.getString(2));
                }
            }
        }
    }

    private static boolean installed(Connection c, String schema) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_namespace WHERE nspname = ?")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static Double dbl(ResultSet rs, int i) throws SQLException {
        double v = rs.getDouble(i);
        return rs.wasNull() ? null : v;
    }

    private static Long lng(ResultSet rs, int i) throws SQLException {
        long v = rs.getLong(i);
        return rs.wasNull() ? null : v;
    }
}
