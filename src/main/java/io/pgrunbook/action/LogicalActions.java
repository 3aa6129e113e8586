package io.pgrunbook.action;

import io.pgrunbook.pg.Conninfo;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Role;
import io.pgrunbook.pg.Lsn;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
                        + Sql.literal(sub));
        if (r.isEmpty()) {
            throw new IllegalStateException(replica.name() + " has no subscription " + sub);
        }
        return new Subscription(r.get("subname"), r.get("slot"), "t".equals(r.get("subenabled")), r.get("subconninfo"));
    }

    /** {@code logical.wait-confirmed} on the primary: every REPLICA's slot has confirmed the current end of WAL. */
    public static Action waitConfirmed() {
        return new Action() {
            @Override
            public String name() {
                return "logical.wait-confirmed";
            }

            @Override
            public Description description() {
                return Description.of("Wait until every logical subscription of the primary has confirmed all its WAL (a safety gate).");
            }

            @Override
            public boolean gate() {
                return true;
            }

            @Override
            public Rendered describe(StepContext ctx) {
                return Rendered.of("on " + ctx.host().name() + ": L = pg_current_wal_lsn(); wait until confirmed_flush_lsn >= L"
                        + " for the slots of " + String.join(", ", replicas(ctx).stream().map(Host::name).toList()));
            }

            @Override
            public Result execute(StepContext ctx) {
                Host p = ctx.host();
                List<Host> replicas = replicas(ctx);
                if (replicas.isEmpty()) {
                    return Result.ok("no REPLICA in the inventory");
                }
                Duration limit = ctx.timeout() != null ? ctx.timeout() : Duration.ofSeconds(30);
                try {
                    List<String> slots = new ArrayList<>();
                    for (Host r : replicas) {
                        slots.add(subscription(ctx.runtime(), r).slot());
                    }
                    String target = Sql.value(ctx.runtime(), p, "SELECT pg_current_wal_lsn()::text");
                    long t0 = System.nanoTime();
                    String last = "";
                    while (System.nanoTime() - t0 < limit.toNanos()) {
                        List<String> behind = new ArrayList<>();
                        for (String slot : slots) {
                            Map<String, String> s = Sql.row(ctx.runtime(), p, null,
                                    "SELECT confirmed_flush_lsn::text AS c FROM pg_replication_slots WHERE slot_name = " + Sql.literal(slot));
                            if (s.isEmpty()) {
                                // not fed from this primary (e.g. its slot was lost in a failover): nothing to wait for here
                                continue;
                            }
                            String c = s.get("c");
                            if (c == null || Lsn.parse(c) < Lsn.parse(target)) {
                                behind.add(slot + " at " + c);
                            }
                        }
                        if (behind.isEmpty()) {
                            return Result.ok("every subscription confirmed " + target + " (after "
                                    + (System.nanoTime() - t0) / 1_000_000 + " ms)");
                        }
                        last = String.join(", ", behind);
                        Sql.sleep(20);
                    }
                    // nothing was stopped: let the waiting clients go on with the old primary
                    StringBuilder done = new StringBuilder("switchover abandoned, nothing was stopped");
                    CatchUpAction.resumePgBouncers(ctx, done);
                    return Result.failed("subscriptions did not confirm " + target + " within " + limit.toSeconds() + "s: " + last
                            + "; " + done);
                } catch (SQLException | RuntimeException e) {
                    return Result.failed(p.name() + ": " + e.getMessage());
                }
            }
        };
    }

    /**
     * {@code replica.slot} (with: to) on a REPLICA: only the subscription's slot on the new primary, created while clients
     * still wait, so that no change written after they resume is missed. The repoint ({@code replica.follow}) can come
     * later: the slot keeps every change until the subscription reads it.
     */
    public static Action slot() {
        return new Action() {
            @Override
            public String name() {
                return "replica.slot";
            }

            @Override
            public Description description() {
                return Description.of("Create the logical REPLICA's slot on the new primary before clients write again.")
                    .option("to", "HOST: the new primary")
                    .option("from", "HOST: the old primary, whose slot is copied")
                    .changes("creates a logical replication slot on the new primary");
            }

            @Override
            public Set<String> options() {
                return Set.of("to", "from");
            }

            @Override
            public Rendered describe(StepContext ctx) {
                Host to = target(ctx);
                return Rendered.of("on " + to.name() + " (" + ctx.host().replication().database() + "): SELECT pg_create_logical_replication_slot(<slot of "
                        + ctx.host().replication().subscription() + ">, 'pgoutput') -- unless it exists");
            }

            @Override
            public Result execute(StepContext ctx) {
                Host to = target(ctx);
                try {
                    Host from = ctx.cluster().host(ctx.option("from", "")).orElse(null);
                    String why = from == null ? null : notFedFrom(ctx, ctx.host(), from);
                    if (why != null) {
                        return skipped(ctx.host(), why);
                    }
                    Subscription s = subscription(ctx.runtime(), ctx.host());
                    return Result.ok(createSlot(ctx, to, s) ? "slot " + s.slot() + " created on " + to.name()
                            : "slot " + s.slot() + " already on " + to.name());
                } catch (SQLException | RuntimeException e) {
                    return Result.failed(ctx.host().name() + ": " + e.getMessage());
                }
            }
        };
    }

    static Host target(StepContext ctx) {
        String name = ctx.option("to", null);
        return ctx.cluster().host(name == null ? "" : name)
                .orElseThrow(() -> new IllegalArgumentException(ctx.stepName() + " needs with: {to: HOST}"));
    }

    /** Creates the subscription's logical slot on {@code to} unless it exists; true when created now. */
    static boolean createSlot(StepContext ctx, Host to, Subscription s) throws SQLException {
        Map<String, String> r = Sql.row(ctx.runtime(), to, ctx.host().replication().database(),
                "SELECT slot_name FROM pg_create_logical_replication_slot(" + Sql.literal(s.slot())
                        + ", 'pgoutput') WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = "
                        + Sql.literal(s.slot()) + ")");
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
        return !Sql.row(ctx.runtime(), on, null, "SELECT 1 AS x FROM pg_replication_slots WHERE slot_name = " + Sql.literal(s.slot())).isEmpty();
    }

    static List<Host> replicas(StepContext ctx) {
        return ctx.cluster().withRole(Role.REPLICA);
    }

    /**
     * {@code replica.follow} (with: to) on a REPLICA: the subscription's slot on the new primary (created when missing),
     * the subscription's connection pointed at it, enabled. Verified by the slot turning active on the new primary.
     */
    public static Action follow() {
        return new Action() {
            private final Set<String> skippedHosts = java.util.concurrent.ConcurrentHashMap.newKeySet();

            @Override
            public String name() {
                return "replica.follow";
            }

            @Override
            public Description description() {
                return Description.of("Point the logical REPLICA's subscription at the new primary and enable it.")
                    .option("to", "HOST: the new primary")
                    .option("from", "HOST: the old primary")
                    .changes("ALTER SUBSCRIPTION ... CONNECTION, ENABLE on the REPLICA");
            }

            @Override
            public Set<String> options() {
                return Set.of("to", "from");
            }

            private Host to(StepContext ctx) {
                String name = ctx.option("to", null);
                return ctx.cluster().host(name == null ? "" : name)
                        .orElseThrow(() -> new IllegalArgumentException("replica.follow needs with: {to: HOST}"));
            }

            @Override
            public Rendered describe(StepContext ctx) {
                Host r = ctx.host();
                Host to = to(ctx);
                String sub = r.replication().subscription();
                return Rendered.of("on " + to.name() + " (" + r.replication().database() + "): SELECT pg_create_logical_replication_slot(<slot of "
                                + sub + ">, 'pgoutput') -- unless it exists",
                        "on " + r.name() + ": ALTER SUBSCRIPTION " + sub + " CONNECTION " + ReplicaAction.kept(to),
                        "on " + r.name() + ": ALTER SUBSCRIPTION " + sub + " ENABLE -- when disabled");
            }

            @Override
            public Result execute(StepContext ctx) {
                Host r = ctx.host();
                Host to = to(ctx);
                try {
                    Host from = ctx.cluster().host(ctx.option("from", "")).orElse(null);
                    // the old primary is a standby now: its slot can still be looked at, but not its walsender
                    String why = from == null || hasSlot(ctx, to, r) ? null : notFedFrom(ctx, r, from);
                    if (why != null) {
                        skippedHosts.add(r.name());
                        return skipped(r, why);
                    }
                    Subscription s = subscription(ctx.runtime(), r);
                    String db = r.replication().database();
                    createSlot(ctx, to, s);
                    // the site's own user and options stay: only the server changes
                    Sql.execute(ctx.runtime(), r, db, "ALTER SUBSCRIPTION " + ident(s.name()) + " CONNECTION "
                            + Sql.literal(RecopyProof.keptConninfo(r, to, s.conninfo())));
                    if (!s.enabled()) {
                        Sql.execute(ctx.runtime(), r, db, "ALTER SUBSCRIPTION " + ident(s.name()) + " ENABLE");
                    }
                    return Result.ok(r.name() + ": subscription " + s.name() + " now reads slot " + s.slot() + " on " + to.name());
                } catch (SQLException | RuntimeException e) {
                    return Result.failed(r.name() + ": " + e.getMessage());
                }
            }

            @Override
            public Result verify(StepContext ctx) {
                Host r = ctx.host();
                Host to = to(ctx);
                if (skippedHosts.remove(r.name())) {
                    return Result.ok("nothing to verify");
                }
                // the apply worker restarts on its own (after wal_retrieve_retry_interval): that it streams again is
                // checked by a later `wait: replica-streaming` step, so the other nodes need not wait for it
                try {
                    Subscription s = subscription(ctx.runtime(), r);
                    String host = io.pgrunbook.pg.Conninfo.host(s.conninfo());
                    if (s.enabled() && (to.pgHost().equals(host) || to.address().equals(host))) {
                        return Result.ok(r.name() + "'s subscription " + s.name() + " connects to " + to.name() + " and is enabled");
                    }
                    return Result.failed(r.name() + "'s subscription " + s.name() + " connects to " + host + (s.enabled() ? "" : ", disabled"));
                } catch (SQLException | RuntimeException e) {
                    return Result.failed(r.name() + ": " + e.getMessage());
                }
            }
        };
    }

    /** {@code replica-streaming} (with: to): the REPLICA's slot on {@code to} is in use, i.e. its subscription streams. */
    public static Check streaming() {
        return new Check() {
            @Override
            public String name() {
                return "replica-streaming";
            }

            @Override
            public Description description() {
                return Description.of("The REPLICA's subscription streams from the expected publisher.")
                    .option("to", "HOST: the publisher it should stream from")
                    .option("from", "HOST: the old publisher");
            }

            @Override
            public boolean needsState() {
                return false;
            }

            @Override
            public Set<String> options() {
                return Set.of("to", "from");
            }

            @Override
            public CheckResult evaluate(CheckContext ctx) {
                Host r = ctx.host();
                Host to = ctx.cluster().host(ctx.option("to", "")).orElse(null);
                if (to == null) {
                    return CheckResult.fail("replica-streaming needs with: {to: HOST}");
                }
                try {
                    Subscription s = subscription(ctx.runtime(), r);
                    if (!to.pgHost().equals(io.pgrunbook.pg.Conninfo.host(s.conninfo())) && !to.address().equals(io.pgrunbook.pg.Conninfo.host(s.conninfo()))) {
                        return CheckResult.pass(r.name() + " is not fed from " + to.name() + " (left to repair-replica)");
                    }
                    // a subscription that already named the new primary before the switchover (stale, from an earlier
                    // failover) was not moved by us: the old primary had no slot of it
                    Host from = ctx.cluster().host(ctx.option("from", "")).orElse(null);
                    if (from != null && Sql.row(ctx.runtime(), from, null, "SELECT 1 AS x FROM pg_replication_slots WHERE slot_name = "
                            + Sql.literal(s.slot())).isEmpty()) {
                        return CheckResult.pass(r.name() + " was not fed from " + from.name() + " (left to repair-replica)");
                    }
                    Map<String, String> slot = Sql.row(ctx.runtime(), to, null,
                            "SELECT active FROM pg_replication_slots WHERE slot_name = " + Sql.literal(s.slot()));
                    return "t".equals(slot.get("active")) ? CheckResult.pass(r.name() + " streams from slot " + s.slot() + " on " + to.name())
                            : CheckResult.fail(r.name() + ": slot " + s.slot() + " on " + to.name() + (slot.isEmpty() ? " missing" : " not in use yet"));
                } catch (SQLException | RuntimeException e) {
                    return CheckResult.fail(r.name() + ": " + e.getMessage());
                }
            }
        };
    }

    static String ident(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }
}
