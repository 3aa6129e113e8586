package io.pgrunbook.runbook;

import io.pgrunbook.inventory.YNode;
import io.pgrunbook.inventory.YNode.YList;
import io.pgrunbook.inventory.YNode.YMap;
import io.pgrunbook.inventory.YNode.YScalar;

import java.util.List;
import java.util.Set;

/** Small typed readers of a runbook's YAML; each error names the file:line:column of the offending node. */
final class RunbookYaml {
    private RunbookYaml() {
    }

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
