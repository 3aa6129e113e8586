package io.pgrunbook.action;

import io.pgrunbook.pg.Conninfo;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Role;
import io.pgrunbook.pg.Quote;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/**
 * Keeping a logical REPLICA fed across a change of primary. Its slot lives on the primary and is not copied to
 * standbys (PostgreSQL 15), so repmgr-style switchovers leave the subscription pointing at a node that is now a standby
 * ("logical decoding cannot be used while in recovery"). Before the old primary stops we wait until every
 * subscription has confirmed all WAL; after promotion, before clients resume, we create the slot on the new primary
 * and repoint the subscription to it.
 */
public final class LogicalActions {
    private LogicalActions() {
    }

    /** The REPLICA's subscription as it is now: name, slot, enabled. */
    record Subscription(String name, String slot, boolean enabled, String conninfo) {
    }

    static Subscription subscription(StepRuntime rt, Host replica) throws SQLException {
        String sub = replica.replication().subscription();
        Map<String, String> r = Sql.row(rt, replica, replica.replication().database(),
                "SELECT subname, coalesce(subslotname, subname) AS slot, subenabled, subconninfo FROM pg_subscription WHERE subname = "
                        + Quote.literal(sub));
        if (r.isEmpty()) {
            throw new IllegalStateException(replica.name() + " has no subscription " + sub);
        }
        return new Subscription(r.get("subname"), r.get("slot"), "t".equals(r.get("subenabled")), r.get("subconninfo"));
    }

    /** {@code logical.wait-confirmed} on the primary: every REPLICA's slot has confirmed the current end of WAL. */
    public static Action waitConfirmed() {
        return new LogicalWaitConfirmedAction();
    }

    /** {@code replica.slot}: see {@link ReplicaSlotAction}. */
    public static Action slot() {
        return new ReplicaSlotAction();
    }

    static Host target(StepContext ctx) {
        String name = ctx.option("to", null);
        return ctx.cluster().host(name == null ? "" : name)
                .orElseThrow(() -> new IllegalArgumentException(ctx.stepName() + " needs with: {to: HOST}"));
    }

    /** Creates the subscription's logical slot on {@code to} unless it exists; true when created now. */
    static boolean createSlot(StepContext ctx, Host to, Subscription s) throws SQLException {
        Map<String, String> r = Sql.row(ctx.runtime(), to, ctx.host().replication().database(),
                "SELECT slot_name FROM pg_create_logical_replication_slot(" + Quote.literal(s.slot())
                        + ", 'pgoutput') WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = "
                        + Quote.literal(s.slot()) + ")");
        return !r.isEmpty();
    }

    /**
     * Why the REPLICA is not fed from {@code from} (its subscription connects elsewhere), or null when it is. Moving a
     * subscription that is not fed from the old primary would silently skip every change it already missed: that is
     * repair-replica's work, with a fresh copy. Only the subscription is read: the old primary is stopped by then.
     */
    static String notFedFrom(StepContext ctx, Host replica, Host from) throws SQLException {
        Subscription s = subscription(ctx.runtime(), replica);
        String host = io.pgrunbook.pg.Conninfo.host(s.conninfo());
        if (host != null && !host.equals(from.pgHost()) && !host.equals(from.address())) {
            return replica.name() + "'s subscription " + s.name() + " connects to " + host + ", not to " + from.name();
        }
        return null;
    }

    /** The skip message for a REPLICA that is not fed from the old primary. */
    static Result skipped(Host replica, String why) {
        return Result.ok("SKIPPED: " + why + ": the REPLICA has missed changes; run: pgrunbook repair-replica " + replica.name());
    }

    /** Whether the REPLICA's slot exists on {@code on} (replica.slot made it there before clients resumed). */
    static boolean hasSlot(StepContext ctx, Host on, Host replica) throws SQLException {
        Subscription s = subscription(ctx.runtime(), replica);
        return !Sql.row(ctx.runtime(), on, null, "SELECT 1 AS x FROM pg_replication_slots WHERE slot_name = " + Quote.literal(s.slot())).isEmpty();
    }

    /** The REPLICAs fed by a native subscription (a Londiste one has no slot to wait for). */
    static List<Host> replicas(StepContext ctx) {
        return ctx.cluster().withRole(Role.REPLICA).stream().filter(h -> h.replication() == null || !h.replication().isLondiste()).toList();
    }

    /** {@code replica.follow}: see {@link ReplicaFollowAction}. */
    public static Action follow() {
        return new ReplicaFollowAction();
    }

    /** {@code replica-streaming} (with: to): the REPLICA's slot on {@code to} is in use, i.e. its subscription streams. */
    public static Check streaming() {
        return new ReplicaStreamingCheck();
    }
}
