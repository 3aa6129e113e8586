package io.pgrunbook.arch;

import io.pgrunbook.core.Outcome;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shape of the code, read from the compiled classes: the engine stands without its CLI, and no two packages need
 * each other. A failure names the classes that broke the rule.
 */
class ArchitectureTest {
    private static final String CLI = "io.pgrunbook.cli";

    private static PackageGraph graph;

    private static synchronized PackageGraph compiled() throws URISyntaxException {
        if (graph == null) {
            graph = PackageGraph.read(Path.of(Outcome.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        }
        return graph;
    }

    @Test
    void no_class_outside_cli_uses_cli() throws Exception {
        List<String> offenders = compiled().usersOf(CLI).stream().filter(c -> !c.startsWith(CLI + ".")).toList();
        assertEquals(List.of(), offenders, "only cli may use cli; these classes do: move what they need to core or their own package");
    }

    /**
     * javac copies a constant such as ExitCodes.FAILED into the class that reads it, which then holds no reference to
     * cli at all: the sources are read too, so that such an import is caught as well.
     */
    @Test
    void no_source_outside_cli_imports_cli() throws IOException {
        Path main = Path.of("src", "main", "java", "io", "pgrunbook");
        assertTrue(Files.isDirectory(main), "run from the project directory: " + main.toAbsolutePath());
        Pattern usesCli = Pattern.compile("\\bio\\.pgrunbook\\.cli\\.");
        try (Stream<Path> files = Files.walk(main)) {
            List<String> offenders = files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> !main.relativize(f).startsWith("cli"))
                    .filter(f -> {
                        try {
                            return usesCli.matcher(Files.readString(f)).find();
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .map(f -> main.relativize(f).toString()).sorted().toList();
            assertEquals(List.of(), offenders, "only cli may import cli");
        }
    }

    @Test
    void packages_have_no_cycles() throws Exception {
        PackageGraph g = compiled();
        List<List<String>> cycles = g.cycles();
        StringBuilder why = new StringBuilder();
        for (List<String> c : cycles) {
            why.append("\n  these reach each other: ").append(c);
            for (String from : c) {
                for (String to : g.edges().getOrDefault(from, Set.of())) {
                    if (c.contains(to)) {
                        List<String> uses = g.why(from, to);
                        why.append("\n    ").append(from).append(" -> ").append(to).append(": ")
                                .append(uses.subList(0, Math.min(3, uses.size()))).append(uses.size() > 3 ? " and " + (uses.size() - 3) + " more" : "");
                    }
                }
            }
        }
        assertTrue(cycles.isEmpty(), "packages that need each other:" + why);
    }

    @Test
    void the_graph_reads_real_dependencies() throws Exception {
        // a rule over an empty graph would pass for nothing: the reader must see what is certainly there
        PackageGraph g = compiled();
        assertTrue(g.edges().getOrDefault("io.pgrunbook.runbook", Set.of()).contains("io.pgrunbook.action"), g.edges().toString());
        assertTrue(g.usersOf(CLI).stream().anyMatch(c -> c.startsWith(CLI + ".")), "cli classes use each other");
    }

    @Test
    void a_cycle_of_two_and_one_of_three_are_found_and_a_chain_is_not() {
        PackageGraph g = new PackageGraph(Map.of(
                "a", Set.of("b"), "b", Set.of("a", "c"), "c", Set.of("d"), "d", Set.of("e"), "e", Set.of("c"), "f", Set.of("a")), Map.of());
        assertEquals(List.of(List.of("a", "b"), List.of("c", "d", "e")), g.cycles());
        assertEquals(List.of(), new PackageGraph(Map.of("a", Set.of("b"), "b", Set.of("c")), Map.of()).cycles());
    }
}
