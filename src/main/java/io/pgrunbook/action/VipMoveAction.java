package io.pgrunbook.action;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Vip;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Transport;
import io.pgrunbook.remote.TransportException;
import io.pgrunbook.vip.VipCommands;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code vip.move}, on the new primary: the virtual IP leaves every other host that may hold it (those that answer),
 * goes on the host it now belongs to (the primary, or the PgBouncer host leading to it: {@code vip.follows}), and
 * gratuitous ARP tells the neighbours. Idempotent: a host that already has it, or lacks it, is left as it is.
 * <p>
 * No hazard is declared: the move is a few quick commands, so it is not cancellable instead (stopping between the
 * del and the add would leave the VIP on nobody, and giving it back to a fenced old primary would send clients to a
 * dead server). A failed add says the exact command; `status` then flags the VIP held by no host.
 */
public final class VipMoveAction implements Action {
    @Override
    public String name() {
        return "vip.move";
    }

    @Override
    public Description description() {
        return Description.of("Move the cluster's virtual IP to the step's host: ip addr del on every other host that may hold"
                + " it and answers, ip addr add on this one, then gratuitous ARP (arping -U) unless the interface is NOARP;"
                + " nothing to do when it already holds it alone. Planned only where the inventory has a vip.")
            .changes("the VIP address on the hosts' interfaces (ip addr del/add, through sudo where configured)")
            .compensation("none: not cancellable (stopping between del and add would leave the VIP on no host);"
                + " repaired with: pgrunbook run vip-move --param to=HOST");
    }

    /** {@code vip-configured}: the runbook vip-move on a cluster without a vip would do nothing, silently. */
    public static Check configured() {
        return new Check() {
            @Override
            public String name() {
                return "vip-configured";
            }

            @Override
            public Description description() {
                return Description.of("The cluster has a vip in its inventory (the vip-move runbook would do nothing otherwise).");
            }

            @Override
            public boolean needsState() {
                return false;
            }

            @Override
            public CheckResult evaluate(CheckContext ctx) {
                Vip v = ctx.cluster().vip();
                return v == null ? CheckResult.fail("cluster " + ctx.cluster().name() + " has no vip in its inventory")
                        : CheckResult.pass("vip " + v.cidr() + " (follows " + v.follows().name().toLowerCase(java.util.Locale.ROOT) + ")");
            }
        };
    }

    @Override
    public boolean appliesTo(Cluster cluster) {
        return cluster.vip() != null;
    }

    @Override
    public boolean cancellable() {
        return false;
    }

    private static Optional<Host> holder(StepContext ctx) {
        return ctx.cluster().vip().holderFor(ctx.cluster(), ctx.host());
    }

    private static List<Host> others(StepContext ctx, Host holder) {
        return ctx.cluster().vip().candidates(ctx.cluster()).stream()
                .filter(h -> holder == null || !h.name().equals(holder.name())).toList();
    }

    @Override
    public Rendered describe(StepContext ctx) {
        Vip v = ctx.cluster().vip();
        if (v == null) {
            return Rendered.of("no vip in the inventory: nothing to do");
        }
        Host holder = holder(ctx).orElse(null);
        List<String> lines = new ArrayList<>();
        for (Host o : others(ctx, holder)) {
            lines.add(o.name() + ": " + VipCommands.show(v, o).describe());
            lines.add(o.name() + ": when it holds " + v.address() + ": " + VipCommands.del(v, o).describe()
                    + "  (skipped when " + o.name() + " does not answer)");
        }
        if (holder == null) {
            lines.add(ctx.host().name() + " may not hold the VIP (vip.hosts): " + v.address() + " is put on no host");
            return new Rendered(lines);
        }
        lines.add(holder.name() + ": " + VipCommands.show(v, holder).describe());
        lines.add(holder.name() + ": unless it holds it already: " + VipCommands.add(v, holder).describe());
        if (v.arping() && v.address().indexOf(':') < 0) {
            lines.add(holder.name() + ": " + VipCommands.link(v, holder).describe());
            lines.add(holder.name() + ": unless " + v.interfaceOf(holder) + " is NOARP: " + VipCommands.arping(v, holder).describe());
        }
        return new Rendered(lines);
    }

    @Override
    public Result execute(StepContext ctx) {
        Vip v = ctx.cluster().vip();
        if (v == null) {
            return Result.ok("no vip in the inventory");
        }
        Host holder = holder(ctx).orElse(null);
        List<String> done = new ArrayList<>();
        StringBuilder out = new StringBuilder();
        for (Host o : others(ctx, holder)) {
            try {
                Transport t = ctx.runtime().transport(o);
                ExecResult shown = t.exec(VipCommands.show(v, o), ctx.execOptions());
                if (!shown.ok()) {
                    done.add(o.name() + ": could not look (" + shown.status() + ": " + shown.tail(1) + ")");
                    continue;
                }
                if (!VipCommands.holds(shown.stdout(), v)) {
                    continue;
                }
                ExecResult del = t.exec(VipCommands.del(v, o), ctx.execOptions());
                out.append(del.stdout()).append(del.stderr());
                if (!del.ok()) {
                    // two holders are worse than none moved: stop before the add
                    return new Result(false, del.exitCode(), out.toString(), o.name() + ": " + VipCommands.del(v, o).describe()
                            + " failed (" + del.status() + ": " + del.tail(1) + "); check its sudoers (see README: Virtual IP)");
                }
                done.add("removed from " + o.name());
            } catch (TransportException e) {
                // a fenced old primary is often unreachable: its VIP goes when it is rebuilt or remedied
                done.add(o.name() + " unreachable, not checked (status shows it if it still holds " + v.address() + ")");
            }
        }
        if (holder == null) {
            return new Result(true, null, out.toString(), String.join("; ", done) + (done.isEmpty() ? "" : "; ")
                    + ctx.host().name() + " is not in vip.hosts: " + v.address() + " is on no host");
        }
        Transport t = ctx.runtime().transport(holder);
        ExecResult shown = t.exec(VipCommands.show(v, holder), ctx.execOptions());
        if (!shown.ok()) {
            return new Result(false, shown.exitCode(), shown.stdout() + shown.stderr(), holder.name() + ": "
                    + VipCommands.show(v, holder).describe() + " failed (" + shown.status() + ": " + shown.tail(1) + ")");
        }
        if (VipCommands.holds(shown.stdout(), v)) {
            done.add(holder.name() + " holds it already");
        } else {
            RemoteCommand add = VipCommands.add(v, holder);
            ExecResult added = t.exec(add, ctx.execOptions());
            out.append(added.stdout()).append(added.stderr());
            if (!added.ok()) {
                return new Result(false, added.exitCode(), out.toString(), holder.name() + ": " + add.describe() + " failed ("
                        + added.status() + ": " + added.tail(1) + "); " + v.address() + " is on no host now: run it by hand,"
                        + " or `pgrunbook run vip-move --param to=" + ctx.host().name() + "` once fixed");
            }
            done.add("added on " + holder.name());
        }
        if (v.arping() && v.address().indexOf(':') < 0) {
            ExecResult link = t.exec(VipCommands.link(v, holder), ctx.execOptions());
            if (link.ok() && VipCommands.noArp(link.stdout())) {
                done.add("no gratuitous ARP: " + v.interfaceOf(holder) + " is NOARP");
            } else {
                ExecResult arp = t.exec(VipCommands.arping(v, holder), ctx.execOptions());
                out.append(arp.stdout()).append(arp.stderr());
                // the VIP is in place: a lost announcement only delays clients until their ARP cache expires
                done.add(VipCommands.arpingSent(arp.exitCode(), arp.stdout() + arp.stderr()) ? "gratuitous ARP sent"
                        : "WARNING: gratuitous ARP failed (" + arp.status() + ": " + arp.tail(1) + "); neighbours learn the"
                        + " move when their ARP cache expires");
            }
        }
        return new Result(true, 0, out.toString(), v.address() + ": " + String.join("; ", done));
    }

    @Override
    public Result verify(StepContext ctx) {
        Vip v = ctx.cluster().vip();
        Host holder = v == null ? null : holder(ctx).orElse(null);
        if (holder == null) {
            return Result.ok("nothing to verify");
        }
        ExecResult shown = ctx.runtime().transport(holder).exec(VipCommands.show(v, holder), ctx.execOptions());
        return shown.ok() && VipCommands.holds(shown.stdout(), v) ? Result.ok(holder.name() + " holds " + v.address())
                : Result.failed(holder.name() + " does not hold " + v.address() + " after the move");
    }
}
