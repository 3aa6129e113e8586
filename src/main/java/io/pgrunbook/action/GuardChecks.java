package io.pgrunbook.action;

import io.pgrunbook.cluster.FailbackChoice;
import io.pgrunbook.cluster.FenceChoice;
import io.pgrunbook.cluster.LiveState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Role;

import java.util.Optional;
import java.util.Set;

/**
 * Preflight checks that refuse an operator's mistake before anything is changed or paused: fencing the wrong node, a
 * failover where a switchover is wanted, a REPLICA that would stall a switchover, a failback of the wrong side.
 * Read-only; each failure names the hosts and the command to run instead.
 */
public final class GuardChecks {
    private GuardChecks() {
    }

    private static boolean truth(String v) {
        return v != null && Set.of("true", "yes", "on", "1").contains(v.trim().toLowerCase(java.util.Locale.ROOT));
    }

    /**
     * {@code fence-target} (with: to, fenced) on the node a failover fences: it is the live primary other than the
     * target, or with none the node that was the primary last (see {@link FenceChoice}); never the target; the node
     * confirmed as fenced, when given, is this one.
     */
    public static Check fenceTarget() {
        return new Checks.HostCheck(Description.of("The node to fence is the live primary or one the probe confirms, never the target.") .option("to", "HOST: the failover's target") .option("fenced", "HOST: the unreachable old primary confirmed as fenced"), "fence-target", null, Set.of("to", "fenced"), ctx -> {
            String to = ctx.option("to", "");
            if (to.isEmpty()) {
                return CheckResult.fail("fence-target needs with: {to: HOST}");
            }
            FenceChoice.Decision d = FenceChoice.decide(ctx.state(), to, ctx.host().name(), ctx.option("fenced", ""));
            return d.refused() ? CheckResult.fail(d.refusal() + "; " + d.hint())
                    : CheckResult.pass(d.host() + " is fenced: " + d.reason());
        });
    }

    /**
     * {@code no-healthy-primary} (with: to, named): no live primary answers and takes writes besides the target, or the
     * operator named it ({@code named}) to fail over anyway. A failover stops such a primary with no clean shutdown
     * handed to the target: what a switchover is for.
     */
    public static Check noHealthyPrimary() {
        return new Check() {
            @Override
            public String name() {
                return "no-healthy-primary";
            }

            @Override
            public Description description() {
                return Description.of("No healthy live primary runs, unless the operator named it.")
                    .option("to", "HOST: the failover's target")
                    .option("named", "HOST: the healthy primary the operator named to fail over anyway");
            }

            @Override
            public Set<String> options() {
                return Set.of("to", "named");
            }

            @Override
            public CheckResult evaluate(CheckContext ctx) {
                String to = ctx.option("to", "");
                Optional<NodeState> p = FenceChoice.healthyPrimary(ctx.state(), to);
                if (p.isEmpty()) {
                    long primaries = ctx.state().primaries().stream().filter(n -> n.role().isPhysical() && !n.name().equals(to)).count();
                    return CheckResult.pass(primaries == 0 ? "no live primary besides " + to + ": a failover is what the cluster needs"
                            : primaries + " live primaries besides " + to + " (split brain): no single healthy primary");
                }
                String h = p.get().name();
                if (h.equals(ctx.option("named", "").trim())) {
                    return CheckResult.pass(h + " is a healthy live primary; the operator named it to fail over anyway");
                }
                return CheckResult.fail(h + " is a healthy live primary (it answers and takes writes): a failover would stop it"
                        + " and may lose its last commits; for a planned change run 'pgrunbook switchover --to " + to
                        + "' (nothing lost), or fail over anyway by naming it: failover --primary-is-healthy " + h);
            }
        };
    }

    /**
     * {@code replica-feed} (with: leave), cluster-wide: every REPLICA fed from the live primary has its subscription
     * enabled and its worker running; otherwise the switchover would wait for it with clients paused and then give up.
     * A REPLICA fed from elsewhere is left to repair-replica by the switchover already; {@code leave} (true) leaves
     * every REPLICA to it.
     */
    public static Check replicaFeed() {
        return new Check() {
            @Override
            public String name() {
                return "replica-feed";
            }

            @Override
            public Description description() {
                return Description.of("The logical REPLICA's worker runs, so a switchover can wait for its confirmation.")
                    .option("leave", "true/false: the REPLICA is left as it is");
            }

            @Override
            public Set<String> options() {
                return Set.of("leave");
            }

            @Override
            public CheckResult evaluate(CheckContext ctx) {
                boolean leave = truth(ctx.option("leave", "false"));
                java.util.List<String> ok = new java.util.ArrayList<>();
                java.util.List<String> bad = new java.util.ArrayList<>();
                java.util.List<String> names = new java.util.ArrayList<>();
                for (Host r : ctx.cluster().withRole(Role.REPLICA)) {
                    if (r.replication() != null && r.replication().isLondiste()) {
                        // its queue is in the primary's database and moves with it: nothing to wait for with clients paused
                        ok.add(r.name() + " is fed by Londiste: its queue moves with the primary");
                        continue;
                    }
                    NodeState n = ctx.state().node(r.name()).orElse(null);
                    String problem = n == null ? r.name() + " (REPLICA) was not probed" : problem(ctx, r, n);
                    if (problem == null) {
                        ok.add(Subs.describe(r, n));
                    } else if (problem.isEmpty()) {
                        ok.add(Subs.describe(r, n) + ": not fed from the primary, left to 'pgrunbook repair-replica " + r.name() + "'");
                    } else if (leave) {
                        ok.add(problem + ": left to 'pgrunbook repair-replica " + r.name() + "' (leave the REPLICA)");
                    } else {
                        bad.add(problem);
                        names.add(r.name());
                    }
                }
                if (!bad.isEmpty()) {
                    return CheckResult.fail(String.join("; ", bad) + ": the switchover would wait for "
                            + (names.size() > 1 ? "them" : "it") + " with clients paused; repair first with 'pgrunbook repair-replica "
                            + String.join("', 'pgrunbook repair-replica ", names) + "', or leave the REPLICA to that: switchover --leave-replica");
                }
                return CheckResult.pass(ok.isEmpty() ? "no REPLICA in the inventory" : String.join("; ", ok));
            }
        };
    }

    /** Null: fed from the primary and streaming. Empty: not fed from the primary. Else what stops its feed. */
    private static String problem(CheckContext ctx, Host r, NodeState n) {
        if (n.state() != LiveState.LOGICAL) {
            return r.name() + " (REPLICA) is " + n.state().json() + (n.error() != null ? " (" + n.error() + ")" : "");
        }
        String subName = r.replication() == null ? null : r.replication().subscription();
        NodeState.Subscription s = n.subscriptions().stream().filter(x -> x.name().equals(subName)).findFirst().orElse(null);
        if (s == null) {
            return r.name() + " (REPLICA) has no subscription " + subName;
        }
        Host primary = ctx.state().primary() == null ? null : ctx.cluster().host(ctx.state().primary()).orElse(null);
        if (primary != null && s.conninfoHost() != null && !Subs.names(s.conninfoHost(), primary)) {
            return "";
        }
        if (!s.enabled()) {
            return r.name() + " (REPLICA): subscription " + s.name() + " is disabled";
        }
        if (!s.workerRunning()) {
            return r.name() + " (REPLICA): subscription " + s.name() + " has no running worker";
        }
        return null;
    }

    /** Words about a REPLICA's subscription. */
    private static final class Subs {
        static boolean names(String conninfoHost, Host h) {
            return conninfoHost.equals(h.address()) || conninfoHost.equals(h.pgHost()) || conninfoHost.equals(h.name());
        }

        static String describe(Host r, NodeState n) {
            String subName = r.replication() == null ? null : r.replication().subscription();
            return n.subscriptions().stream().filter(x -> x.name().equals(subName)).findFirst()
                    .map(s -> r.name() + " (REPLICA): subscription " + s.name() + (s.enabled() ? " enabled" : " disabled")
                            + (s.workerRunning() ? ", worker running" : ", no worker") + ", fed from "
                            + (n.upstream() != null ? n.upstream() : s.conninfoHost()))
                    .orElse(r.name() + " (REPLICA)");
        }
    }

    /**
     * {@code failback-target} (with: upstream, stop_first) on the node to fail back: it is down and {@code upstream} is
     * the live primary; or, in split brain, it still runs as a primary beside {@code upstream}, which wins (see
     * {@link FailbackChoice}), and {@code stop_first} says the failback stops it first.
     */
    public static Check failbackTarget() {
        return new Checks.HostCheck(Description.of("The old primary can be rewound onto the live one.") .option("upstream", "HOST: the live primary") .option("stop_first", "true/false: the host runs as a second primary and is stopped first"), "failback-target", null, Set.of("upstream", "stop_first"), ctx -> {
            Host t = ctx.host();
            String upstream = ctx.option("upstream", "");
            boolean stopFirst = truth(ctx.option("stop_first", "false"));
            FailbackChoice.Decision d = FailbackChoice.decide(ctx.state(), t.name());
            if (d.refused()) {
                return CheckResult.fail(d.refusal() + "; " + d.hint());
            }
            if (!d.upstream().equals(upstream)) {
                return CheckResult.fail(upstream + " is not the primary " + t.name() + " can rejoin: " + d.reason()
                        + "; run: pgrunbook failback " + t.name());
            }
            if (d.stopFirst()) {
                return stopFirst ? CheckResult.pass(d.reason() + ": " + t.name() + " is stopped first (a destructive step), then rewound")
                        : CheckResult.fail(d.reason() + ": " + t.name() + " must be stopped first; 'pgrunbook failback "
                        + t.name() + "' does it as a destructive step");
            }
            if (stopFirst) {
                return CheckResult.fail(t.name() + " is not running as a primary beside " + upstream + ": there is nothing to stop"
                        + " first; run: pgrunbook failback " + t.name());
            }
            String why = RebuildGuards.refuseTarget(ctx.state(), t);
            if (why != null) {
                return CheckResult.fail(why);
            }
            NodeState n = ctx.node();
            if (n.state() != LiveState.DOWN) {
                return CheckResult.fail(Checks.describe(n) + ", expected down: fail back a stopped old primary");
            }
            return CheckResult.pass(Checks.describe(n) + "; it rejoins " + upstream + ", " + d.reason());
        });
    }
}
