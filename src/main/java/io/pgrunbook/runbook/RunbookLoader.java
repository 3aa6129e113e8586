package io.pgrunbook.runbook;

import io.pgrunbook.action.Action;
import io.pgrunbook.action.Check;
import io.pgrunbook.action.Registry;
import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.inventory.InventoryException;
import io.pgrunbook.inventory.SourceLocation;
import io.pgrunbook.inventory.Units;
import io.pgrunbook.inventory.YNode.YList;
import io.pgrunbook.inventory.YNode.YMap;
import io.pgrunbook.inventory.YNode.YScalar;
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

    /** One parse: keeps the source lines to locate placeholders inside scalars. */
    private final class Parse {
        private final Path file;
        private final String text;
        private final String[] lines;
        private final Map<String, Param> params = new LinkedHashMap<>();

        Parse(Path file, String text) {
            this.file = file;
            this.text = text;
            this.lines = text.split("\n", -1);
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
            Template on = template(m, "on", false);
            if (on == null && check.defaultOn() != null) {
                on = Template.literal(check.defaultOn(), m.get(key).at());
            }
            Map<String, Template> with = with(m, check.options(), checkName, on != null);
            String name = str(m, "name", false);
            if (name == null) {
                name = key + " " + checkName + (on != null ? " on " + on.source() : "");
            }
            return new Step(name, kind, checkName, null, on, template(m, "when", on != null), duration(m, "timeout"),
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
            Template on = template(m, "on", false);
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
                    body = template(m, kind.key(), true);
                    if (kind == StepKind.RUN) {
                        checkShellContext(body);
                    } else {
                        checkSqlContext(body);
                    }
                }
                default -> {
                    target = kind.key();
                    body = template(m, kind.key(), hasHost);
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
            return new Step(name, kind, target, body, on, template(m, "when", hasHost), duration(m, "timeout"), onError(m),
                    bool(m, "destructive", false), template(m, "as", hasHost), with, str(m, "database", false), m.at());
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
                out.put(k, toTemplate(scalar(e.value(), k), hasHost));
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

        Template template(YMap m, String key, boolean hostAllowed) {
            YNode n = m.get(key);
            if (n == null) {
                return null;
            }
            return toTemplate(scalar(n, key), hostAllowed);
        }

        Template toTemplate(YScalar s, boolean hostAllowed) {
            String v = s.text() == null ? "" : s.text();
            Template t = Template.parse(v, s.at(), i -> locate(s.at(), v, i));
            for (Template.Ref r : t.refs()) {
                checkName(r, hostAllowed);
            }
            return t;
        }

        void checkName(Template.Ref r, boolean hostAllowed) {
            String root = r.root();
            String path = r.path();
            boolean hostValued;
            if (root.equals("host")) {
                if (!hostAllowed) {
                    throw new RunbookException(r.at(), "{{host}} means the host a step runs on; this step has no 'on'"
                            + " (and 'on' itself cannot use it)");
                }
                hostValued = true;
            } else if (root.equals("primary")) {
                hostValued = true;
            } else if (root.equals("cluster")) {
                if (path != null && CLUSTER_PATHS.contains(path)) {
                    return;
                }
                hostValued = false;
            } else if (params.containsKey(root)) {
                hostValued = params.get(root).type() == ParamType.HOST;
            } else {
                List<String> known = new ArrayList<>(List.of("host", "primary", "cluster"));
                known.addAll(params.keySet());
                throw new RunbookException(r.at(), "unknown name '" + root + "' in {{" + r.expr() + "}}; known: "
                        + String.join(", ", known));
            }
            if (path != null && (!hostValued || !HOST_PATHS.contains(path))) {
                throw new RunbookException(r.at(), "unknown name '" + r.expr() + "' in {{" + r.expr() + "}}"
                        + (hostValued ? "; a host has: " + String.join(", ", new java.util.TreeSet<>(HOST_PATHS))
                        : root.equals("cluster") ? "; a cluster has: " + String.join(", ", new java.util.TreeSet<>(CLUSTER_PATHS))
                        : ": " + root + " is not a host"));
            }
        }

        /** Shell quoting is pgrunbook's job: a placeholder inside quotes would be quoted twice, or not at all. */
        void checkShellContext(Template t) {
            String s = t.source();
            for (Template.Ref r : t.refs()) {
                char state = 0;
                for (int i = 0; i < r.offset(); i++) {
                    char c = s.charAt(i);
                    if (state == 0) {
                        if (c == '\\') {
                            i++;
                        } else if (c == '\'' || c == '"') {
                            state = c;
                        }
                    } else if (state == '"' && c == '\\') {
                        i++;
                    } else if (c == state) {
                        state = 0;
                    }
                }
                if (state != 0) {
                    throw new RunbookException(r.at(), "{{" + r.expr() + "}} inside quotes in a run command: write it bare;"
                            + " pgrunbook shell-quotes every value");
                }
            }
        }

        /** Values become SQL literals; inside a string or an identifier they would not. */
        void checkSqlContext(Template t) {
            String s = t.source();
            for (Template.Ref r : t.refs()) {
                String state = null;
                for (int i = 0; i < r.offset(); i++) {
                    char c = s.charAt(i);
                    if (state == null) {
                        if (c == '\'' || c == '"') {
                            state = String.valueOf(c);
                        } else if (c == '-' && i + 1 < s.length() && s.charAt(i + 1) == '-') {
                            int nl = s.indexOf('\n', i);
                            i = nl < 0 ? s.length() : nl;
                        } else if (c == '$') {
                            java.util.regex.Matcher mm = Pattern.compile("\\$[A-Za-z_]*\\$").matcher(s).region(i, s.length());
                            if (mm.lookingAt()) {
                                state = mm.group();
                                i = mm.end() - 1;
                            }
                        }
                    } else if (s.startsWith(state, i)) {
                        i += state.length() - 1;
                        state = null;
                    }
                }
                if (state != null) {
                    throw new RunbookException(r.at(), "{{" + r.expr() + "}} inside a quoted SQL string or identifier: write it"
                            + " bare; pgrunbook writes every value as a SQL literal");
                }
            }
        }

        /** file:line:column of character {@code index} of a scalar's value. */
        SourceLocation locate(SourceLocation at, String value, int index) {
            int lineIdx = at.line() - 1;
            String line = lineIdx < lines.length ? lines[lineIdx] : "";
            int col0 = Math.max(0, at.column() - 1);
            char first = col0 < line.length() ? line.charAt(col0) : ' ';
            String before = value.substring(0, index);
            int nls = (int) before.chars().filter(c -> c == '\n').count();
            if (first == '|' || first == '>') {
                int l = lineIdx + 1 + nls;
                String content = l < lines.length ? lines[l] : "";
                int indent = content.length() - content.stripLeading().length();
                int inLine = index - (before.lastIndexOf('\n') + 1);
                return new SourceLocation(file, l + 1, indent + inLine + 1);
            }
            if (nls == 0) {
                int quote = first == '"' || first == '\'' ? 1 : 0;
                return new SourceLocation(file, at.line(), at.column() + quote + index);
            }
            return at;
        }
    }

    // ---- small typed readers ----

    static YMap map(YNode n, String what) {
        if (n instanceof YMap m) {
            return m;
        }
        throw new RunbookException(n.at(), what + " must be a mapping (key: value)");
    }

    static List<YNode> list(YNode n, String what) {
        if (n instanceof YList l) {
            return l.items();
        }
        throw new RunbookException(n.at(), "'" + what + "' must be a list (- item)");
    }

    static YScalar scalar(YNode n, String what) {
        if (n instanceof YScalar s) {
            return s;
        }
        throw new RunbookException(n.at(), "'" + what + "' must be a single value");
    }

    static String str(YMap m, String key, boolean required) {
        YNode n = m.get(key);
        if (n == null || n instanceof YScalar s && s.value() == null) {
            if (required) {
                throw new RunbookException(m.at(), "missing '" + key + "'");
            }
            return null;
        }
        return scalar(n, key).text();
    }

    static boolean bool(YMap m, String key, boolean dflt) {
        YNode n = m.get(key);
        if (n == null) {
            return dflt;
        }
        if (scalar(n, key).value() instanceof Boolean b) {
            return b;
        }
        throw new RunbookException(n.at(), "'" + key + "' must be true or false");
    }

    static void keys(YMap m, Set<String> allowed, String where) {
        m.entries().forEach((k, e) -> {
            if (!allowed.contains(k)) {
                throw new RunbookException(e.keyAt(), "unknown key '" + k + "' in " + where + "; expected one of: "
                        + String.join(", ", new java.util.TreeSet<>(allowed)));
            }
        });
    }
}
