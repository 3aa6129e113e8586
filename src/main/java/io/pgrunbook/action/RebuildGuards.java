package io.pgrunbook.action;

import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.LiveState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Role;
import io.pgrunbook.inventory.Units;

import java.util.Set;

/**
 * The guards of the procedures that overwrite a data directory (rebuild, failback): they run in preflight, so a
 * refusal is exit 3 before anything is touched, and no flag turns them off. The actions check again right before they
 * act (the cluster may have changed since the plan).
 */
public final class RebuildGuards {
    /** Free space wanted beyond the source's size: WAL streamed during the copy, and room to breathe. */
    static final double MARGIN = 0.10;
    static final long MARGIN_MIN = 1L << 30;

    private RebuildGuards() {
    }

    /** Why {@code target} must not be overwritten now; null when it may be. */
    public static String refuseTarget(ClusterState state, Host target) {
        String name = target.name();
        if (target.role() == Role.REPLICA) {
            return name + " is a logical REPLICA: it is repaired with 'pgrunbook repair-replica " + name + "', never rebuilt as a physical standby";
        }
        if (name.equals(state.primary())) {
            return name + " is the live primary: refusing to overwrite it, whatever the flags";
        }
        NodeState n = state.node(name).orElse(null);
        if (n == null) {
            return name + " was not probed: cannot tell whether it runs as a primary";
        }
        if (n.state() == LiveState.PRIMARY) {
            return name + " is running as a primary (split brain?): refusing to overwrite it, whatever the flags;"
                    + " stop it first if it really is the stale side";
        }
        if (n.state() == LiveState.UNKNOWN) {
            return name + " is unreachable" + (n.error() != null ? " (" + n.error() + ")" : "")
                    + ": cannot tell whether it runs as a primary";
        }
        return null;
    }

    /** Why {@code source} cannot be copied from; null when it is the live primary or a streaming standby. */
    public static String refuseSource(ClusterState state, Host source, Host target) {
        if (source.name().equals(target.name())) {
            return "the source and the target are both " + source.name();
        }
        NodeState n = state.node(source.name()).orElse(null);
        if (n == null) {
            return source.name() + " was not probed";
        }
        if (source.name().equals(state.primary()) && n.state() == LiveState.PRIMARY) {
            return null;
        }
        if (n.streaming()) {
            return null;
        }
        return source.name() + " is " + n.state().json() + (n.state() == LiveState.PRIMARY ? " but not the one live primary (" + state.primary() + ")" : "")
                + ": copy from the live primary or a streaming standby";
    }

    /** Whether {@code freeBytes} on the target holds a copy of {@code sourceBytes} with the margin. */
    public static String refuseSpace(long freeBytes, long sourceBytes) {
        long need = sourceBytes + Math.max(MARGIN_MIN, (long) (sourceBytes * MARGIN));
        if (freeBytes >= need) {
            return null;
        }
        return "not enough free space: " + Units.bytes(freeBytes) + " free, " + Units.bytes(need) + " needed ("
                + Units.bytes(sourceBytes) + " of databases + margin)";
    }

    /** {@code rebuild-target}: the host may be overwritten (not the live primary, not running as one, not a REPLICA). */
    public static Check targetCheck() {
        return new Checks.HostCheck(Description.of("The host may be overwritten: not a running primary."), "rebuild-target", null, Set.of(), ctx -> {
            String why = refuseTarget(ctx.state(), ctx.host());
            return why == null ? CheckResult.pass(Checks.describe(ctx.node()) + ": may be overwritten") : CheckResult.fail(why);
        });
    }

    /** {@code rebuild-source} (with: target): the host is the live primary or a streaming standby, not the target. */
    public static Check sourceCheck() {
        return new Checks.HostCheck(Description.of("The source can be copied from: reachable, a primary or streaming standby, not the target.") .option("target", "HOST: the host to rebuild"), "rebuild-source", null, Set.of("target"), ctx -> {
            String t = ctx.with().get("target");
            Host target = t == null ? null : ctx.cluster().host(t).orElse(null);
            if (target == null) {
                return CheckResult.fail("rebuild-source needs with: {target: HOST}");
            }
            String why = refuseSource(ctx.state(), ctx.host(), target);
            return why == null ? CheckResult.pass(Checks.describe(ctx.node()) + ": a good source") : CheckResult.fail(why);
        });
    }

    /** {@code is-logical}: the host is a running logical replica. */
    public static Check isLogical() {
        return Checks.state(Description.of("The host is the cluster's logical REPLICA."), "is-logical", LiveState.LOGICAL, null);
    }
}
