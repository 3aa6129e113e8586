package io.pgrunbook.runbook;

import io.pgrunbook.action.Action;
import io.pgrunbook.action.Check;
import io.pgrunbook.action.Registry;
import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.inventory.InventoryException;
import io.pgrunbook.inventory.Units;
import io.pgrunbook.inventory.YNode.YMap;
import io.pgrunbook.inventory.YNode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static io.pgrunbook.runbook.RunbookYaml.*;

/**
 * Loads and validates a runbook (DESIGN.md "Runbooks"). Everything that can be checked without the cluster is checked
 * here, each error at its file:line:column: unknown keys, step kinds, action and check names and options, and every
 * {@code {{placeholder}}} name.
 */
public final class RunbookLoader {
    static final Set<String> TOP = Set.of("name", "description", "params", "preflight", "steps");
    static final Set<String> PARAM = Set.of("type", "required", "default", "help");
    static final Set<String> STEP = Set.of("name", "action", "run", "sql", "check", "wait", "confirm", "note", "on", "when",
            "timeout", "on_error", "destructive", "as", "with", "database");
    static final Set<String> PREFLIGHT = Set.of("name", "check", "on", "with");
    static final Set<String> RESERVED = Set.of("host", "primary", "cluster", "standbys", "pgbouncers", "all", "barman");
    /** What {@code {{h.PATH}}} may name on a host-valued placeholder; see {@link Planner#hostValue}. */
    /** What {{cluster.X}} may name: whether the inventory gives the cluster that part (true or false). */
    static final Set<String> CLUSTER_PATHS = Set.of("pgpool");
    static final Set<String> HOST_PATHS = Set.of("name", "address", "role", "become",
            "postgres.port", "postgres.user", "postgres.database", "postgres.bin_dir", "postgres.data_dir",
            "postgres.config_file", "postgres.log_file", "postgres.archive_dir", "postgres.host", "postgres.socket_dir",
            "replication.user", "replication.upstream", "replication.kind", "replication.database", "replication.subscription",
            "replication.publication", "pgbouncer.port", "pgbouncer.admin_user", "pgbouncer.config_file",
            "pgbouncer.log_file");
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");

    private final Registry registry;

    public RunbookLoader(Registry registry) {
        this.registry = registry;
    }

    /**
     * A path, else {@code WORKDIR/runbooks/NAME.yaml}, else the runbook shipped in the jar ({@code runbooks/NAME.yaml}).
     */
    public Runbook resolve(String ref, Path workDir) {
        Path p = workDir.resolve(ref);
        if (Files.isRegularFile(p)) {
            return load(p);
        }
        Path local = workDir.resolve("runbooks").resolve(ref + ".yaml");
        if (Files.isRegularFile(local)) {
            return load(local);
        }
        try (InputStream in = RunbookLoader.class.getClassLoader().getResourceAsStream("runbooks/" + ref + ".yaml")) {
            if (in != null && ref.matches("[A-Za-z0-9_.-]+")) {
                return parse("jar:runbooks/" + ref + ".yaml", new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new PgrunbookException(Outcome.INTERNAL, "cannot read runbook " + ref + " from the jar: " + e.getMessage());
        }
        throw new PgrunbookException(Outcome.USAGE, "no runbook '" + ref + "': not a file, not in ./runbooks/, not shipped",
                "give a path to a .yaml file or the name of a runbook in ./runbooks/");
    }

    public Runbook load(Path file) {
        try {
            return parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new RunbookException(file + ": cannot read: " + e.getMessage(), null);
        }
    }

    public Runbook parse(String source, String text) {
        Path file = Path.of(source.startsWith("jar:") ? source.substring(4) : source);
        YNode root;
        try {
            root = YNode.parse(file, text);
        } catch (InventoryException e) {
            // YNode reports YAML syntax with the inventory's exception; a runbook error has its own exit path
            throw new RunbookException(e.getMessage(), null);
        }
        return new Parse(file, text).runbook(root, source);
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One parse: its parameters, and the templates checked against them (TemplateChecks locates placeholders). */
    private final class Parse {
        private final String text;
        private final Map<String, Param> params = new LinkedHashMap<>();
        private final TemplateChecks templates;

        Parse(Path file, String text) {
            this.text = text;
            this.templates = new TemplateChecks(file, text.split("\n", -1), params);
        }

        Runbook runbook(YNode root, String source) {
            YMap top = map(root, "a runbook");
            keys(top, TOP, "a runbook");
            String name = str(top, "name", true);
            String description = str(top, "description", false);
            if (top.get("params") != null) {
                map(top.get("params"), "params").entries().forEach((k, e) -> params.put(k, param(k, e)));
            }
            List<Step> preflight = new ArrayList<>();
            if (top.get("preflight") != null) {
                for (YNode n : list(top.get("preflight"), "preflight")) {
                    preflight.add(preflightCheck(n));
                }
            }
            if (top.get("steps") == null) {
                throw new RunbookException(top.at(), "missing 'steps': a runbook needs at least one step");
            }
            List<Step> steps = new ArrayList<>();
            for (YNode n : list(top.get("steps"), "steps")) {
                steps.add(step(n));
            }
            if (steps.isEmpty()) {
                throw new RunbookException(top.get("steps").at(), "'steps' is empty: a runbook needs at least one step");
            }
            return new Runbook(name, description, List.copyOf(params.values()), preflight, steps, source, sha256(text));
        }

        Param param(String name, YNode.Entry e) {
            if (!NAME.matcher(name).matches()) {
                throw new RunbookException(e.keyAt(), "bad parameter name '" + name + "': use lower case letters, digits and _");
            }
            if (RESERVED.contains(name)) {
                throw new RunbookException(e.keyAt(), "'" + name + "' is a reserved name; call the parameter something else");
            }
            YMap m = map(e.value(), "parameter " + name);
            keys(m, PARAM, "parameter " + name);
            String t = str(m, "type", false);
            ParamType type;
            try {
                type = t == null ? ParamType.STRING : ParamType.valueOf(t.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException ex) {
                throw new RunbookException(m.get("type").at(), "unknown parameter type '" + t + "'; expected one of: host, role, size, duration, string, bool");
            }
            boolean required = bool(m, "required", false);
            String dflt = m.get("default") == null ? null : scalar(m.get("default"), "default").text();
            if (required && dflt != null) {
                throw new RunbookException(m.keyAt("default"), "parameter " + name + " is required and has a default: choose one");
            }
            if (dflt != null) {
                try {
                    Planner.checkValue(type, dflt, null);
                } catch (IllegalArgumentException ex) {
                    throw new RunbookException(m.get("default").at(), "default of " + name + ": " + ex.getMessage());
                }
            }
            return new Param(name, type, required, dflt, str(m, "help", false), e.keyAt());
        }

        Step preflightCheck(YNode n) {
            YMap m = map(n, "a preflight check");
            keys(m, PREFLIGHT, "a preflight check (preflight holds only checks)");
            if (m.get("check") == null) {
                throw new RunbookException(m.at(), "a preflight item needs 'check: NAME'");
            }
            return checkStep(m, StepKind.CHECK);
        }

        Step checkStep(YMap m, StepKind kind) {
            String key = kind.key();
            String checkName = str(m, key, true);
            Check check = registry.check(checkName).orElseThrow(() -> new RunbookException(m.get(key).at(),
                    "unknown check '" + checkName + "'; checks: " + String.join(", ", registry.checkNames())));
            Template on = templates.template(m, "on", false);
            if (on == null && check.defaultOn() != null) {
                on = Template.literal(check.defaultOn(), m.get(key).at());
            }
            Map<String, Template> with = with(m, check.options(), checkName, on != null);
            String name = str(m, "name", false);
            if (name == null) {
                name = key + " " + checkName + (on != null ? " on " + on.source() : "");
            }
            return new Step(name, kind, checkName, null, on, templates.template(m, "when", on != null), duration(m, "timeout"),
                    onError(m), bool(m, "destructive", false), null, with, null, m.at());
        }

        Step step(YNode n) {
            YMap m = map(n, "a step");
            keys(m, STEP, "a step");
            List<StepKind> kinds = new ArrayList<>();
            for (StepKind k : StepKind.values()) {
                if (m.get(k.key()) != null) {
                    kinds.add(k);
                }
            }
            if (kinds.size() != 1) {
                throw new RunbookException(m.at(), (kinds.isEmpty() ? "a step needs one of" : "a step has more than one of")
                        + ": action, run, sql, check, wait, confirm, note");
            }
            StepKind kind = kinds.get(0);
            if (kind == StepKind.CHECK || kind == StepKind.WAIT) {
                return checkStep(m, kind);
            }
            Template on = templates.template(m, "on", false);
            boolean hasHost = on != null;
            String target;
            Template body = null;
            Map<String, Template> with = Map.of();
            switch (kind) {
                case ACTION -> {
                    target = str(m, "action", true);
                    Action a = registry.action(target).orElseThrow(() -> new RunbookException(m.get("action").at(),
                            "unknown action '" + str(m, "action", true) + "'; actions: " + String.join(", ", registry.actionNames())));
                    if (a.needsHost() && !hasHost) {
                        throw new RunbookException(m.get("action").at(), "action " + target + " needs 'on': the hosts to run it on");
                    }
                    with = with(m, a.options(), target, hasHost);
                }
                case RUN, SQL -> {
                    target = kind.key();
                    if (!hasHost) {
                        throw new RunbookException(m.get(kind.key()).at(), "a " + kind.key() + " step needs 'on': the hosts to run it on");
                    }
                    body = templates.template(m, kind.key(), true);
                    if (kind == StepKind.RUN) {
                        templates.checkShellContext(body);
                    } else {
                        templates.checkSqlContext(body);
                    }
                }
                default -> {
                    target = kind.key();
                    body = templates.template(m, kind.key(), hasHost);
                }
            }
            if (m.get("database") != null && kind != StepKind.SQL) {
                throw new RunbookException(m.keyAt("database"), "'database' is for sql steps");
            }
            String name = str(m, "name", false);
            if (name == null) {
                String src = body != null ? body.source().strip() : target;
                int nl = src.indexOf('\n');
                name = kind.key() + ": " + (nl > 0 ? src.substring(0, nl) + " ..." : src);
            }
            return new Step(name, kind, target, body, on, templates.template(m, "when", hasHost), duration(m, "timeout"), onError(m),
                    bool(m, "destructive", false), templates.template(m, "as", hasHost), with, str(m, "database", false), m.at());
        }

        Map<String, Template> with(YMap m, Set<String> allowed, String what, boolean hasHost) {
            YNode w = m.get("with");
            if (w == null) {
                return Map.of();
            }
            YMap wm = map(w, "with");
            Map<String, Template> out = new LinkedHashMap<>();
            wm.entries().forEach((k, e) -> {
                if (!allowed.contains(k)) {
                    throw new RunbookException(e.keyAt(), "'" + what + "' takes no option '" + k + "'"
                            + (allowed.isEmpty() ? "" : "; options: " + String.join(", ", new java.util.TreeSet<>(allowed))));
                }
                out.put(k, templates.toTemplate(scalar(e.value(), k), hasHost));
            });
            return out;
        }

        OnError onError(YMap m) {
            String v = str(m, "on_error", false);
            if (v == null) {
                return OnError.ABORT;
            }
            try {
                return OnError.valueOf(v.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new RunbookException(m.get("on_error").at(), "on_error '" + v + "': expected abort, continue, ask or ignore");
            }
        }

        Duration duration(YMap m, String key) {
            String v = str(m, key, false);
            if (v == null) {
                return null;
            }
            try {
                return Units.duration(v);
            } catch (IllegalArgumentException e) {
                throw new RunbookException(m.get(key).at(), e.getMessage());
            }
        }
    }
}
