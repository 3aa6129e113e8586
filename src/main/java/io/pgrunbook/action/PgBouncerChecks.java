package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.pgbouncer.PauseGuard;
import io.pgrunbook.pgbouncer.PgBouncerAdmin;
import io.pgrunbook.pgbouncer.Repoint;
import io.pgrunbook.remote.HostKeyException;

import java.util.ArrayList;
import java.util.List;

/** Preflight checks of the PgBouncers a procedure will pause and repoint. */
public final class PgBouncerChecks {
    private PgBouncerChecks() {
    }

    /**
     * {@code pgbouncer-consoles}: the host's PgBouncer console answers (SHOW DATABASES), serves every managed database,
     * and the become user may write the pause guard's state file beside the config. Run before anything is paused: a
     * PgBouncer that is down would otherwise stop the run after the others were paused.
     */
    public static Check consoles() {
        return new Check() {
            @Override
            public boolean passesWithNoHost() {
                return true;
            }

            @Override
            public String name() {
                return "pgbouncer-consoles";
            }

            @Override
            public Description description() {
                return Description.of("Every PgBouncer console answers, serves the managed databases, and its guard file can be written.");
            }

            @Override
            public String defaultOn() {
                return "pgbouncers";
            }

            @Override
            public boolean needsState() {
                return false;
            }

            @Override
            public CheckResult evaluate(CheckContext ctx) {
                Host h = ctx.host();
                if (!h.hasPgBouncer()) {
                    return CheckResult.pass(h.name() + " runs no PgBouncer");
                }
                PgBouncerAdmin.DatabasesAndGuard read;
                try {
                    read = new PgBouncerAdmin(h, ctx.runtime().transport(h)).databasesAndGuard();
                } catch (HostKeyException e) {
                    throw e;
                } catch (RuntimeException e) {
                    String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                    why = (why.startsWith(h.name() + ": ") ? why.substring(h.name().length() + 2) : why).replaceAll("\\s+", " ");
                    return CheckResult.fail(h.name() + ": the PgBouncer console does not answer (" + why
                            + "); start PgBouncer on " + h.name() + " or fix pgbouncer.port/admin_user in the inventory");
                }
                List<String> names = read.databases().stream().map(PgBouncerAdmin.Database::name).toList();
                List<String> wanted = h.pgbouncer().databases();
                List<String> missing = wanted.stream().filter(d -> !names.contains(d)).toList();
                if (!missing.isEmpty()) {
                    return CheckResult.fail(h.name() + ": PgBouncer serves no database " + String.join(", ", missing)
                            + " (pgbouncer.databases in the inventory; it serves " + String.join(", ", names) + ")");
                }
                List<String> managed = names.stream().filter(n -> Repoint.managed(h, n)).toList();
                if (managed.isEmpty()) {
                    return CheckResult.fail(h.name() + ": PgBouncer serves no database but its console");
                }
                if (!read.guardWritable()) {
                    return CheckResult.fail(h.name() + ": " + PauseGuard.stateDir(h) + " is not writable by "
                            + (h.become() == null ? "the SSH user" : h.become()) + ": the pause guard keeps its state there"
                            + " (and pgbouncer point its temp file)");
                }
                List<String> facts = new ArrayList<>();
                List<String> paused = read.databases().stream().filter(d -> Repoint.managed(h, d.name()) && d.paused())
                        .map(PgBouncerAdmin.Database::name).toList();
                if (!paused.isEmpty()) {
                    facts.add("already paused: " + String.join(", ", paused));
                }
                return CheckResult.pass(h.name() + ": PgBouncer answers, serves " + String.join(", ", managed)
                        + (facts.isEmpty() ? "" : "; " + String.join("; ", facts)));
            }
        };
    }

    /**
     * {@code pgbouncer-target} on the host PgBouncer is to lead to: it is the live primary, else clients would reach a
     * server that is not. {@code with: {force: true}} passes anyway, saying so (just before promoting that host).
     */
    public static Check target() {
        return new Checks.HostCheck(Description.of("The host PgBouncer is to lead to is the live primary.") .option("force", "true/false: pass anyway, saying so (just before promoting the host)"), "pgbouncer-target", null, java.util.Set.of("force"), ctx -> {
            String to = ctx.host().name();
            String primary = ctx.state().primary();
            if (to.equals(primary)) {
                return CheckResult.pass(to + " is the live primary");
            }
            String why = to + " is not the live primary: " + to + " is " + ctx.node().state().json() + ", "
                    + (primary != null ? "the live primary is " + primary : "verdict " + ctx.state().verdict());
            return "true".equals(ctx.with().get("force")) ? CheckResult.pass(why + " (forced)")
                    : CheckResult.fail(why + "; clients would reach a server that is not the primary: point at "
                    + (primary != null ? primary : "the primary") + ", or force it when you are about to promote " + to);
        });
    }
}
