package io.pgrunbook.runbook;

import io.pgrunbook.action.Action;
import io.pgrunbook.action.PgBouncerActions;
import io.pgrunbook.action.Registry;
import io.pgrunbook.action.Rendered;
import io.pgrunbook.action.StepContext;
import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.LiveState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.core.Secrets;
import io.pgrunbook.inventory.BarmanSettings;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Role;
import io.pgrunbook.inventory.Units;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Turns a runbook, a cluster, its live state and the operator's parameters into a {@link Plan}. Read-only: it renders,
 * it never runs anything.
 */
public final class Planner {
    private final Registry registry;

    public Planner(Registry registry) {
        this.registry = registry;
    }

    public Plan plan(Runbook rb, Cluster cluster, ClusterState state, Map<String, String> given) {
        return plan(rb, cluster, state, given, null);
    }

    /**
     * As {@link #plan(Runbook, Cluster, ClusterState, Map)}, with {@code primary} standing for {@code {{primary}}} and
     * {@code on: primary} instead of the live one: a resumed run means the primary its first run started from (the
     * switchover's old primary is stopped, or no longer primary, by then). Null: the live primary.
     */
    public Plan plan(Runbook rb, Cluster cluster, ClusterState state, Map<String, String> given, String primary) {
        Map<String, String> params = params(rb, cluster, given);
        Render r = new Render(rb, cluster, state, params, primary);
        List<PlannedStep> preflight = new ArrayList<>();
        int n = 0;
        for (Step s : rb.preflight()) {
            preflight.add(r.step(++n, s, "the preflight check " + s.target()));
        }
        List<PlannedStep> steps = new ArrayList<>();
        n = 0;
        PartFilter parts = new PartFilter(cluster, registry);
        for (Step s : rb.steps()) {
            if (parts.forAbsentPart(s)) {
                continue;
            }
            steps.add(r.step(++n, s, "step " + n + " (" + s.name() + ")"));
        }
        for (int i = 0; i < steps.size(); i++) {
            steps.set(i, guarded(steps, i, cluster));
        }
        return new Plan(rb.name(), rb.description(), rb.source(), rb.sha256(), cluster.name(), params,
                primary != null ? primary : state.primary(),
                preflight, steps, state);
    }

    /**
     * A {@code pgbouncer.pause} step with its guard's deadline in {@code with: {guard}} on each host (the runbook's
     * value, else {@link GuardDeadline}), described again so that the plan and the journal show it. Other steps as
     * they are.
     */
    private PlannedStep guarded(List<PlannedStep> steps, int i, Cluster cluster) {
        PlannedStep ps = steps.get(i);
        if (ps.kind() != StepKind.ACTION || !ps.type().equals("pgbouncer.pause")) {
            return ps;
        }
        List<PlannedStep.Target> targets = new ArrayList<>();
        for (PlannedStep.Target t : ps.targets()) {
            StepContext c = t.context();
            Map<String, String> with = new LinkedHashMap<>(c.with());
            String given = with.get("guard");
            if (PgBouncerActions.UNGUARDED.equals(given)) {
                // a pause by hand, meant to outlive the run: no guard, said in the plan by the action's description
                with.put("guard_basis", "with: {guard: none}");
            } else if (given != null) {
                java.time.Duration d;
                try {
                    d = Units.duration(given);
                } catch (IllegalArgumentException e) {
                    throw new RunbookException(ps.step().at(), "with: {guard: " + given + "}: " + e.getMessage());
                }
                if (d.compareTo(java.time.Duration.ofSeconds(1)) < 0) {
                    throw new RunbookException(ps.step().at(), "with: {guard: " + given + "}: the guard needs at least 1s");
                }
                with.put("guard", d.toMillis() + "ms");
                with.put("guard_basis", "with: {guard: " + given + "}");
            } else if (t.host() != null) {
                GuardDeadline.Deadline d = GuardDeadline.compute(steps, i, t.host(), cluster.settings(), registry);
                with.put("guard", d.after().toMillis() + "ms");
                with.put("guard_basis", d.basis());
            }
            StepContext ctx = new StepContext(c.stepName(), c.cluster(), c.host(), c.text(), with, c.as(), c.database(),
                    c.timeout(), c.runtime());
            targets.add(new PlannedStep.Target(t.host(), registry.action(ps.type()).orElseThrow().describe(ctx).lines(), ctx));
        }
        return new PlannedStep(ps.number(), ps.name(), ps.kind(), ps.type(), ps.hosts(), targets, ps.destructive(), ps.when(),
                ps.runs(), ps.onError(), ps.timeout(), ps.step());
    }

    /** {@code on: londiste}: the REPLICAs of replication.kind londiste. */
    static final String LONDISTE = "londiste";

    /** Checks the given parameters against the runbook: known, typed, required ones present; defaults filled. */
    static Map<String, String> params(Runbook rb, Cluster cluster, Map<String, String> given) {
        for (String k : given.keySet()) {
            if (rb.param(k).isEmpty()) {
                throw new PgrunbookException(Outcome.USAGE, "runbook " + rb.name() + " has no parameter '" + k + "'",
                        rb.params().isEmpty() ? "it takes no parameters"
                                : "parameters: " + rb.params().stream().map(Param::name).collect(Collectors.joining(", ")));
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Param p : rb.params()) {
            String v = given.containsKey(p.name()) ? given.get(p.name()) : p.defaultValue();
            if (v == null) {
                if (p.required()) {
                    throw new PgrunbookException(Outcome.USAGE, "runbook " + rb.name() + " needs --param " + p.name() + "=VALUE",
                            p.help() != null ? p.name() + ": " + p.help() : null);
                }
                continue;
            }
            try {
                out.put(p.name(), checkValue(p.type(), v, cluster));
            } catch (IllegalArgumentException e) {
                throw new PgrunbookException(Outcome.USAGE, "--param " + p.name() + ": " + e.getMessage(), p.help());
            }
        }
        return out;
    }

    /** The value in its normal form, or IllegalArgumentException saying what is wrong. Cluster null: not checked. */
    static String checkValue(ParamType type, String v, Cluster cluster) {
        switch (type) {
            case HOST -> {
                if (cluster != null && cluster.host(v).isEmpty()) {
                    throw new IllegalArgumentException("'" + v + "' is not a host of cluster " + cluster.name() + " (hosts: "
                            + cluster.hosts().stream().map(Host::name).collect(Collectors.joining(", ")) + ")");
                }
                return v;
            }
            case ROLE -> {
                try {
                    return Role.valueOf(v.toUpperCase(Locale.ROOT)).name();
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("'" + v + "' is not a role (MASTER, SLAVE, BCP, REPLICA)");
                }
            }
            case SIZE -> {
                Units.size(v);
                return v;
            }
            case DURATION -> {
                Units.duration(v);
                return v;
            }
            case BOOL -> {
                String b = v.toLowerCase(Locale.ROOT);
                if (Set.of("true", "yes", "on", "1").contains(b)) {
                    return "true";
                }
                if (Set.of("false", "no", "off", "0").contains(b)) {
                    return "false";
                }
                throw new IllegalArgumentException("'" + v + "' is not true or false");
            }
            default -> {
                return v;
            }
        }
    }

    /** Whether the inventory gives the cluster a part ({{cluster.pgpool}}). */
    static boolean clusterHas(Cluster cluster, String part) {
        return switch (part) {
            case "pgpool" -> !cluster.pgpools().isEmpty();
            default -> throw new IllegalArgumentException("unknown cluster value " + part);
        };
    }

    /** A value of a host as {{h.PATH}} names it (see RunbookLoader.HOST_PATHS); empty when the inventory has none. */
    static String hostValue(Host h, String path) {
        if (path == null || path.equals("name")) {
            return h.name();
        }
        Object v = switch (path) {
            case "address" -> h.address();
            case "role" -> h.role().name();
            case "become" -> h.become();
            case "postgres.port" -> h.postgres().port();
            case "postgres.user" -> h.postgres().user();
            case "postgres.database" -> h.postgres().database();
            case "postgres.bin_dir" -> h.postgres().binDir();
            case "postgres.data_dir" -> h.postgres().dataDir();
            case "postgres.config_file" -> h.postgres().effectiveConfigFile();
            case "postgres.log_file" -> h.postgres().logFile();
            case "postgres.archive_dir" -> h.postgres().archiveDir();
            case "postgres.host" -> h.pgHost();
            case "postgres.socket_dir" -> h.postgres().socketDir();
            case "replication.user" -> h.replication() == null ? null : h.replication().user();
            case "replication.upstream" -> h.replication() == null ? null : h.replication().upstream();
            case "replication.database" -> h.replication() == null ? null : h.replication().database();
            case "replication.subscription" -> h.replication() == null ? null : h.replication().subscription();
            case "replication.kind" -> h.replication() == null ? null : h.replication().kind().name().toLowerCase(Locale.ROOT);
            case "replication.publication" -> h.replication() == null ? null : h.replication().publication();
            case "pgbouncer.port" -> h.pgbouncer() == null ? null : h.pgbouncer().port();
            case "pgbouncer.admin_user" -> h.pgbouncer() == null ? null : h.pgbouncer().adminUser();
            case "pgbouncer.config_file" -> h.pgbouncer() == null ? null : h.pgbouncer().configFile();
            case "pgbouncer.log_file" -> h.pgbouncer() == null ? null : h.pgbouncer().logFile();
            default -> throw new IllegalArgumentException("unknown host value " + path);
        };
        return v == null ? "" : String.valueOf(v);
    }

    /** Evaluates a rendered {@code when}: {@code A == B}, {@code A != B}, or a truth value. */
    static boolean truth(String cond) {
        if (cond == null) {
            return true;
        }
        for (String op : List.of("==", "!=")) {
            int i = cond.indexOf(op);
            if (i >= 0) {
                boolean eq = cond.substring(0, i).trim().equals(cond.substring(i + 2).trim());
                return op.equals("==") == eq;
            }
        }
        String c = cond.trim().toLowerCase(Locale.ROOT);
        if (c.startsWith("not ")) {
            return !truth(c.substring(4));
        }
        return !(c.isEmpty() || c.equals("false") || c.equals("no") || c.equals("0") || c.equals("off"));
    }

    /** Rendering for one plan. */
    private final class Render {
        private final Runbook rb;
        private final Cluster cluster;
        private final ClusterState state;
        private final Map<String, String> params;
        private final String primary;

        Render(Runbook rb, Cluster cluster, ClusterState state, Map<String, String> params, String primary) {
            this.rb = rb;
            this.cluster = cluster;
            this.state = state;
            this.params = params;
            this.primary = primary;
        }

        Host livePrimary(Template.Ref why, SourceLocationHolder where) {
            String p = primary != null ? primary : state.primary();
            if (p == null || cluster.host(p).isEmpty()) {
                var primaries = state.primaries().stream().map(n -> n.name() + " (" + n.role() + ")").toList();
                // the operator needs the hosts and the next command here, not where the runbook says "primary"
                throw new PgrunbookException(Outcome.REFUSED, "refused: " + (primaries.size() < 2
                        ? "there is no live primary" : "split brain: " + String.join(" and ", primaries) + (primaries.size() == 2 ? " both" : " all") + " run as primary")
                        + "; " + where.what + " of " + rb.name() + " needs the one live primary",
                        primaries.size() < 2 ? "see 'pgrunbook status'; promote a standby with: pgrunbook failover --to HOST"
                                : "see 'pgrunbook status'; rejoin the stale side as a standby with: pgrunbook failback HOST");
            }
            return cluster.host(p).get();
        }

        String value(Template.Ref r, Host current, SourceLocationHolder where) {
            String root = r.root();
            switch (root) {
                case "cluster" -> {
                    return r.path() == null ? cluster.name() : String.valueOf(clusterHas(cluster, r.path()));
                }
                case "primary" -> {
                    return hostValue(livePrimary(r, where), r.path());
                }
                case "host" -> {
                    return hostValue(current, r.path());
                }
                default -> {
                    Param p = rb.param(root).orElseThrow();
                    String v = params.get(root);
                    if (v == null) {
                        throw new PgrunbookException(Outcome.USAGE, r.at() + ": {{" + r.expr() + "}} has no value",
                                "give it with --param " + root + "=VALUE");
                    }
                    return p.type() == ParamType.HOST ? hostValue(cluster.host(v).orElseThrow(), r.path()) : v;
                }
            }
        }

        String render(Template t, Host current, Quoting q, SourceLocationHolder where) {
            if (t == null) {
                return null;
            }
            try {
                return t.render(r -> value(r, current, where), q);
            } catch (IllegalArgumentException e) {
                throw new PgrunbookException(Outcome.USAGE, t.at() + ": " + e.getMessage());
            }
        }

        List<Host> on(Step s, SourceLocationHolder where) {
            if (s.on() == null) {
                return List.of();
            }
            String spec = render(s.on(), null, Quoting.NONE, where).trim();
            Set<Host> out = new LinkedHashSet<>();
            Set<Host> except = new LinkedHashSet<>();
            // "standbys, !db2": every live standby but db2 (e.g. the ones that must follow a new primary)
            for (String part : spec.split("\\s*,\\s*")) {
                if (part.startsWith("!")) {
                    except.addAll(resolve(part.substring(1).trim(), s, where));
                } else {
                    out.addAll(resolve(part, s, where));
                }
            }
            out.removeAll(except);
            return List.copyOf(out);
        }

        List<Host> resolve(String on, Step s, SourceLocationHolder where) {
            switch (on) {
                case "all" -> {
                    return cluster.hosts();
                }
                case "primary" -> {
                    return List.of(livePrimary(null, where));
                }
                case "standbys" -> {
                    return cluster.hosts().stream().filter(h -> state.node(h.name()).map(NodeState::state)
                            .orElse(LiveState.UNKNOWN) == LiveState.STANDBY).toList();
                }
                case "pgbouncers" -> {
                    return cluster.pgbouncers();
                }
                case BarmanSettings.HOST_NAME -> {
                    return cluster.hasBarman() ? List.of(cluster.barman().host()) : List.of();
                }
                case LONDISTE -> {
                    return io.pgrunbook.action.LondisteActions.londisteReplicas(cluster);
                }
                default -> {
                    if (cluster.host(on).isPresent()) {
                        return List.of(cluster.host(on).get());
                    }
                    for (Role role : Role.values()) {
                        if (role.name().equalsIgnoreCase(on)) {
                            return cluster.withRole(role);
                        }
                    }
                    throw new RunbookException(s.on().at(), "on '" + on + "' is not a host of cluster " + cluster.name()
                            + ", a role, primary, standbys, pgbouncers, barman, londiste or all");
                }
            }
        }

        PlannedStep step(int number, Step s, String what) {
            SourceLocationHolder where = new SourceLocationHolder(s.at(), what);
            List<Host> hosts = on(s, where);
            String when = render(s.when(), hosts.isEmpty() ? null : hosts.get(0), Quoting.NONE, where);
            List<PlannedStep.Target> targets = new ArrayList<>();
            List<Host> each = hosts.isEmpty() && s.on() == null ? java.util.Collections.singletonList(null) : hosts;
            for (Host h : each) {
                Quoting q = s.kind() == StepKind.RUN ? Quoting.SHELL : s.kind() == StepKind.SQL ? Quoting.SQL : Quoting.NONE;
                String text = render(s.text(), h, q, where);
                Map<String, String> with = new LinkedHashMap<>();
                s.with().forEach((k, t) -> with.put(k, render(t, h, Quoting.NONE, where)));
                StepContext ctx = new StepContext(s.name(), cluster, h, text, with, render(s.as(), h, Quoting.NONE, where),
                        s.database(), s.timeout(), null);
                targets.add(new PlannedStep.Target(h == null ? null : h.name(), describe(s, ctx).lines(), ctx));
            }
            return new PlannedStep(number, s.name(), s.kind(), s.target(), hosts.stream().map(Host::name).toList(),
                    targets, s.destructive(), when, truth(when), s.onError(), s.timeout(), s);
        }

        Rendered describe(Step s, StepContext ctx) {
            String where = ctx.host() == null ? "" : " on " + ctx.host().name();
            String with = ctx.with().isEmpty() ? "" : " " + ctx.with();
            return switch (s.kind()) {
                case ACTION, RUN, SQL, NOTE -> {
                    Action a = registry.action(s.target()).orElseThrow();
                    yield a.describe(ctx);
                }
                case CHECK -> Rendered.of("check " + s.target() + where + with);
                case WAIT -> Rendered.of("wait until " + s.target() + where + with + " (timeout "
                        + Units.duration(s.timeout() != null ? s.timeout() : cluster.settings().waitTimeout()) + ")");
                case CONFIRM -> Rendered.of("ask: " + Secrets.mask(ctx.text()));
            };
        }
    }

    /** Where a step is written, for errors found while rendering it, and what it is in the operator's words. */
    private record SourceLocationHolder(io.pgrunbook.inventory.SourceLocation at, String what) {
    }
}
