package io.pgrunbook.action;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.pgbouncer.ReadOnlyRoutes;
import io.pgrunbook.pgbouncer.Repoint;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code pgbouncer.point-readonly}, on PgBouncer hosts once the standbys stream again: each host's read-only routes
 * lead to a streaming standby ({@link ReadOnlyRoutes}), else to the primary with a warning. Which standby streams is
 * asked of the servers when the step runs, not when it is planned: in a switchover the old primary only becomes a
 * standby a few steps earlier.
 */
public final class PointReadonlyAction implements Action {
    @Override
    public String name() {
        return "pgbouncer.point-readonly";
    }

    @Override
    public Description description() {
        return Description.of("Lead the host's PgBouncer read-only routes (pgbouncer.readonly_databases) to a streaming"
                + " standby: the host's own when it is one, else SLAVE, MASTER, BCP; the primary with a warning when none"
                + " streams. Planned only where a PgBouncer has read-only routes.")
            .option("primary", "HOST: the live primary (optional: rebuild and remedy may run without one to name)")
            .changes("the read-only entries of PgBouncer's [databases] (a backup kept), then RELOAD")
            .compensation("none needed: run again, or pgrunbook pgbouncer point, to lead them elsewhere");
    }

    @Override
    public Set<String> options() {
        return Set.of("primary");
    }

    @Override
    public boolean appliesTo(Cluster cluster) {
        return ReadOnlyRoutes.any(cluster);
    }

    /** The primary the runbook names ({@code with: {primary}}); null: found when the step runs. */
    private static Host named(StepContext ctx) {
        String name = ctx.option("primary", "");
        return name.isEmpty() ? null : ctx.cluster().host(name)
                .orElseThrow(() -> new IllegalArgumentException("pgbouncer.point-readonly: with: {primary: " + name + "} is not a host"));
    }

    private static List<String> routes(StepContext ctx) {
        return ctx.host().hasPgBouncer() ? ctx.host().pgbouncer().readonlyDatabases() : List.of();
    }

    @Override
    public Rendered describe(StepContext ctx) {
        if (routes(ctx).isEmpty()) {
            return Rendered.of("nothing: " + ctx.host().name() + " has no read-only routes");
        }
        Host p = named(ctx);
        List<String> order = ReadOnlyRoutes.preference(ctx.cluster(), ctx.host()).stream().map(Host::name)
                .filter(n -> p == null || !n.equals(p.name())).toList();
        return Rendered.of("lead " + String.join(", ", routes(ctx)) + " to the first streaming standby of "
                        + String.join(", ", order) + " (else to the primary" + (p == null ? "" : " " + p.name()) + ", with a warning)",
                "rewrite their [databases] entries in " + ctx.host().pgbouncer().configFile() + " (backup kept) and RELOAD, when they change");
    }

    @Override
    public Result execute(StepContext ctx) {
        if (routes(ctx).isEmpty()) {
            return Result.ok(ctx.host().name() + " has no read-only routes: nothing to do");
        }
        Host named = named(ctx);
        Optional<Host> standby = ReadOnlyRoutes.choose(ctx.cluster(), ctx.host(), named == null ? null : named.name(),
                h -> streams(ctx, h));
        Host p = named != null ? named : ctx.cluster().hosts().stream().filter(h -> h.role().isPhysical())
                .filter(h -> primaryNow(ctx, h)).findFirst().orElse(null);
        if (standby.isEmpty() && p == null) {
            return Result.failed("no standby streams and no primary answers: " + String.join(", ", routes(ctx))
                    + " left as they are");
        }
        Host target = standby.orElse(p);
        Repoint.Written w = Repoint.pointReadonly(ctx.host(), ctx.runtime().transport(ctx.host()), target, Instant.now());
        String what = String.join(", ", routes(ctx)) + (w.changed() ? " now lead" : " lead already") + " to " + target.name()
                + (w.backup() != null ? " (backup " + w.backup() + ")" : "");
        return Result.ok(standby.isPresent() ? what : "WARNING: no standby streams: " + what + ", the primary;"
                + " run this again once one streams (pgrunbook pgbouncer point is for the primary route)");
    }

    private static boolean primaryNow(StepContext ctx, Host h) {
        try (Connection c = ctx.runtime().sql(h, h.postgres().database()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT NOT pg_is_in_recovery()")) {
            return rs.next() && rs.getBoolean(1);
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    /** A standby whose walreceiver streams now; an unreachable one does not. */
    private static boolean streams(StepContext ctx, Host h) {
        try (Connection c = ctx.runtime().sql(h, h.postgres().database()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery() AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver"
                     + " WHERE status = 'streaming')")) {
            return rs.next() && rs.getBoolean(1);
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }
}
