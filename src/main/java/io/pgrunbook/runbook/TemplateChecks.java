package io.pgrunbook.runbook;

import io.pgrunbook.inventory.SourceLocation;
import io.pgrunbook.inventory.YNode;
import io.pgrunbook.inventory.YNode.YMap;
import io.pgrunbook.inventory.YNode.YScalar;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static io.pgrunbook.runbook.RunbookLoader.CLUSTER_PATHS;
import static io.pgrunbook.runbook.RunbookLoader.HOST_PATHS;
import static io.pgrunbook.runbook.RunbookYaml.scalar;

/**
 * A runbook's {@code {{placeholder}}} templates: every name checked against the runbook's parameters, placeholders
 * refused inside shell or SQL quotes, and each error located at the file:line:column of the placeholder itself.
 */
final class TemplateChecks {
    private final Path file;
    private final String[] lines;
    private final Map<String, Param> params;

    TemplateChecks(Path file, String[] lines, Map<String, Param> params) {
        this.file = file;
        this.lines = lines;
        this.params = params;
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
