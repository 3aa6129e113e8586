package io.pgrunbook.pg;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Shell;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;

/**
 * How a node is made a standby of another: {@code primary_conninfo} with {@code application_name} = its host name,
 * {@code primary_slot_name} = its slot, written to {@code postgresql.auto.conf} (read last, so it wins over the
 * site's own files, which stay untouched), and {@code standby.signal}. Shared by switchover, failover, failback and
 * rebuild.
 */
public final class StandbyConfig {
    private StandbyConfig() {
    }

    /** The physical slot of a standby: its host name, in the characters a slot name allows. */
    public static String slotName(Host standby) {
        return standby.name().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    }

    /** libpq conninfo from {@code standby} to {@code upstream}; the password comes from the standby's own ~/.pgpass. */
    public static String conninfo(Host standby, Host upstream) {
        return Conninfo.of("host", upstream.pgHost(), "port", String.valueOf(upstream.postgres().port()),
                "user", upstream.replication().user(), "application_name", standby.name());
    }


    /** The postgresql.auto.conf lines that make {@code standby} follow {@code upstream}. */
    public static String settings(Host standby, Host upstream) {
        return settings(standby, upstream, standby.replication().slots());
    }

    private static String settings(Host standby, Host upstream, boolean slot) {
        StringBuilder b = new StringBuilder();
        b.append("primary_conninfo = ").append(Quote.conf(conninfo(standby, upstream))).append('\n');
        if (slot) {
            b.append("primary_slot_name = ").append(Quote.conf(slotName(standby))).append('\n');
        }
        return b.toString();
    }

    /**
     * Rewrites primary_conninfo and primary_slot_name in the standby's postgresql.auto.conf (keeping every other line
     * and the file's mode) and creates standby.signal. Runs as the become user; the new lines come on stdin.
     */
    public static RemoteCommand writeCommand(Host standby, Host upstream) {
        return writeCommand(standby, upstream, standby.replication().slots());
    }

    /**
     * As {@link #writeCommand(Host, Host)}; {@code slot = false} writes no primary_slot_name (streaming for a while from
     * a peer standby, which has no slot for it).
     */
    public static RemoteCommand writeCommand(Host standby, Host upstream, boolean slot) {
        String data = Shell.quote(standby.postgres().dataDir());
        String script = "set -e; f=" + data + "/postgresql.auto.conf; t=\"$f.pgrunbook.$$\"; "
                + "if [ -f \"$f\" ]; then cp -p \"$f\" \"$t\"; "
                + "grep -v -E '^[[:space:]]*(primary_conninfo|primary_slot_name)[[:space:]]*=' \"$f\" > \"$t\" || true; "
                + "else : > \"$t\"; chmod 600 \"$t\"; fi; "
                + "cat >> \"$t\"; mv \"$t\" \"$f\"; touch " + data + "/standby.signal";
        String lines = settings(standby, upstream, slot);
        String display = "set in " + standby.postgres().dataDir() + "/postgresql.auto.conf: "
                + lines.strip().replace("\n", "; ") + "; touch standby.signal";
        return RemoteCommand.shell(script).as(standby.become())
                .withStdin(lines.getBytes(StandardCharsets.UTF_8))
                .withDisplay(display);
    }

    /** SQL that creates the standby's physical slot on the upstream unless it exists; WAL is reserved at once. */
    public static String createSlotSql(Host standby) {
        return "SELECT pg_create_physical_replication_slot(" + Quote.literal(slotName(standby)) + ", true)"
                + " WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = " + Quote.literal(slotName(standby)) + ")";
    }

    /** Creates the standby's slot on the upstream (when the inventory wants slots); true when it was created now. */
    public static boolean ensureSlot(Connection upstream, Host standby) throws SQLException {
        if (!standby.replication().slots()) {
            return false;
        }
        try (PreparedStatement ps = upstream.prepareStatement(createSlotSql(standby)); ResultSet rs = ps.executeQuery()) {
            return rs.next();
        }
    }

}
