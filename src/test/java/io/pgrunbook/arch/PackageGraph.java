package io.pgrunbook.arch;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;

/**
 * Which of our packages use which, read from compiled classes by the JDK's jdeps (every class a class file refers to,
 * not only its imports), with the classes behind each edge to say why.
 */
record PackageGraph(Map<String, Set<String>> edges, Map<String, Set<String>> classEdges) {
    private static final Pattern LINE = Pattern.compile("^\\s*(io\\.pgrunbook\\.\\S+)\\s+->\\s+(io\\.pgrunbook\\.\\S+)\\s");

    static PackageGraph read(Path classes) {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps")
                .orElseThrow(() -> new AssertionError("jdeps is missing: run the tests on a JDK, not a JRE"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = jdeps.run(new PrintWriter(out), new PrintWriter(err), "-verbose:class", "-filter:none",
                "-e", "io\\.pgrunbook\\..*", classes.toString());
        if (rc != 0) {
            throw new AssertionError("jdeps " + classes + " ended " + rc + ": " + err);
        }
        Map<String, Set<String>> edges = new TreeMap<>();
        Map<String, Set<String>> classEdges = new TreeMap<>();
        for (String line : out.toString().split("\n")) {
            Matcher m = LINE.matcher(line);
            if (!m.find()) {
                continue;
            }
            String from = outer(m.group(1));
            String to = outer(m.group(2));
            classEdges.computeIfAbsent(from, k -> new TreeSet<>()).add(to);
            String fp = pkg(from);
            String tp = pkg(to);
            if (!fp.equals(tp)) {
                edges.computeIfAbsent(fp, k -> new TreeSet<>()).add(tp);
            }
        }
        if (classEdges.isEmpty()) {
            throw new AssertionError("jdeps found no classes in " + classes + ": " + out);
        }
        return new PackageGraph(edges, classEdges);
    }

    private static String outer(String cls) {
        int d = cls.indexOf('$');
        return d < 0 ? cls : cls.substring(0, d);
    }

    private static String pkg(String cls) {
        return cls.substring(0, cls.lastIndexOf('.'));
    }

    /** The classes that use a class of {@code pkg}. */
    Set<String> usersOf(String pkg) {
        Set<String> users = new TreeSet<>();
        classEdges.forEach((from, tos) -> {
            if (tos.stream().anyMatch(t -> pkg(t).equals(pkg))) {
                users.add(from);
            }
        });
        return users;
    }

    /** The class-level uses behind the package edge from -> to. */
    List<String> why(String from, String to) {
        List<String> out = new ArrayList<>();
        classEdges.forEach((c, tos) -> {
            if (pkg(c).equals(from)) {
                tos.stream().filter(t -> pkg(t).equals(to)).forEach(t -> out.add(c.substring(from.length() + 1) + " -> " + t.substring(to.length() + 1)));
            }
        });
        return out;
    }

    /** Every set of packages that reach each other (strongly connected, more than one), each sorted, in order. */
    List<List<String>> cycles() {
        // Tarjan's algorithm; the graph has a dozen nodes, so recursion depth is no concern
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new java.util.HashSet<>();
        List<List<String>> out = new ArrayList<>();
        Set<String> nodes = new TreeSet<>(edges.keySet());
        edges.values().forEach(nodes::addAll);
        int[] counter = {0};
        for (String n : nodes) {
            if (!index.containsKey(n)) {
                strong(n, index, low, stack, onStack, out, counter);
            }
        }
        out.sort(java.util.Comparator.comparing(l -> l.get(0)));
        return out;
    }

    private void strong(String v, Map<String, Integer> index, Map<String, Integer> low, Deque<String> stack, Set<String> onStack,
                        List<List<String>> out, int[] counter) {
        index.put(v, counter[0]);
        low.put(v, counter[0]++);
        stack.push(v);
        onStack.add(v);
        for (String w : new TreeSet<>(edges.getOrDefault(v, Set.of()))) {
            if (!index.containsKey(w)) {
                strong(w, index, low, stack, onStack, out, counter);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            List<String> scc = new ArrayList<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                scc.add(w);
            } while (!w.equals(v));
            if (scc.size() > 1) {
                scc.sort(null);
                out.add(scc);
            }
        }
    }
}
