package io.pgrunbook.action;

import io.pgrunbook.cluster.LiveState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.inventory.Units;

import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The built-in checks. Each reads the live {@link io.pgrunbook.cluster.ClusterState}; none changes anything. */
public final class Checks {
    private Checks() {
    }

    /** A per-host check from a function. */
    record HostCheck(Description description, String name, String defaultOn, Set<String> options, Function<CheckContext, CheckResult> fn) implements Check {
        @Override
        public CheckResult evaluate(CheckContext ctx) {
            if (ctx.node() == null) {
                return CheckResult.fail(ctx.host().name() + ": not in the probed state");
            }
            return fn.apply(ctx);
        }
    }

    static String describe(NodeState n) {
        StringBuilder b = new StringBuilder(n.name()).append(" is ").append(n.state().json());
        if (n.lsn() != null) {
            b.append(", LSN ").append(n.lsn());
        }
        if (n.lagBytes() != null) {
            b.append(", lag ").append(Units.bytes(n.lagBytes()));
        }
        if (n.error() != null) {
            b.append(" (").append(n.error()).append(')');
        }
        return b.toString();
    }

    public static Check onePrimary() {
        return new Check() {
            @Override
            public String name() {
                return "one-primary";
            }

            @Override
            public Description description() {
                return Description.of("Exactly one live primary in the cluster.");
            }

            @Override
            public CheckResult evaluate(CheckContext ctx) {
                List<NodeState> p = ctx.state().primaries();
                if (p.size() == 1) {
                    NodeState n = p.get(0);
                    return CheckResult.pass("one primary: " + n.name() + (n.timeline() != null ? " (timeline " + n.timeline() + ")" : ""));
                }
                if (p.isEmpty()) {
                    return CheckResult.fail("no live primary: " + ctx.state().hosts().stream().map(Checks::describe)
                            .collect(Collectors.joining("; ")));
                }
                return CheckResult.fail(p.size() + " live primaries (split brain): "
                        + p.stream().map(NodeState::name).collect(Collectors.joining(", ")));
            }
        };
    }

    static Check state(Description description, String name, LiveState want, String defaultOn) {
        return new HostCheck(description, name, defaultOn, Set.of(), ctx -> {
            NodeState n = ctx.node();
            return n.state() == want ? CheckResult.pass(describe(n))
                    : CheckResult.fail(describe(n) + ", expected " + want.json());
        });
    }

    public static Check reachable() {
        return new HostCheck(Description.of("The host answers (SSH or local, and PostgreSQL)."), "reachable", "all", Set.of(), ctx -> {
            NodeState n = ctx.node();
            return n.reachable() ? CheckResult.pass(describe(n)) : CheckResult.fail(describe(n));
        });
    }

    public static Check streaming() {
        return new HostCheck(Description.of("The host is a standby streaming from an upstream."), "streaming", "standbys", Set.of(), ctx -> {
            NodeState n = ctx.node();
            if (n.state() != LiveState.STANDBY) {
                return CheckResult.fail(describe(n) + ", expected a streaming standby");
            }
            if (n.upstream() == null) {
                return CheckResult.fail(describe(n) + ", but no walreceiver is streaming");
            }
            return CheckResult.pass(describe(n) + ", streaming from " + n.upstream());
        });
    }

    public static Check lagBelow() {
        return new HostCheck(Description.of("The standby's replay lag is at most a size.") .option("max", "SIZE: the largest lag (default settings.max_lag)"), "lag-below", "standbys", Set.of("max"), ctx -> {
            NodeState n = ctx.node();
            long max = ctx.with().containsKey("max") ? Units.size(ctx.with().get("max")) : ctx.cluster().settings().maxLagBytes();
            if (n.lagBytes() == null) {
                return CheckResult.fail(describe(n) + ": lag unknown (max " + Units.bytes(max) + ")");
            }
            return n.lagBytes() <= max
                    ? CheckResult.pass(n.name() + " lag " + Units.bytes(n.lagBytes()) + " <= " + Units.bytes(max))
                    : CheckResult.fail(n.name() + " lag " + Units.bytes(n.lagBytes()) + " > " + Units.bytes(max));
        });
    }

    public static Check isPrimary() {
        return state(Description.of("The host is a live primary."), "is-primary", LiveState.PRIMARY, null);
    }

    public static Check isStandby() {
        return state(Description.of("The host is a live standby."), "is-standby", LiveState.STANDBY, null);
    }

    /** Down means the server is known to be stopped; an unreachable host is not known to be down. */
    public static Check isDown() {
        return state(Description.of("PostgreSQL is known to be stopped on the host (an unreachable host is not known to be down)."), "is-down", LiveState.DOWN, null);
    }
}
