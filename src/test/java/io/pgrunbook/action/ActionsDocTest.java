package io.pgrunbook.action;

import io.pgrunbook.runbook.Runbook;
import io.pgrunbook.runbook.RunbookLoader;
import io.pgrunbook.runbook.Step;
import io.pgrunbook.runbook.StepKind;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `pgrunbook actions` is generated from the code: every action and check must describe itself, and every option. */
class ActionsDocTest {
    private final Registry registry = Registry.builtins();

    private static List<String> gaps(String name, Description d, Set<String> options) {
        List<String> out = new ArrayList<>();
        if (d == null || d.summary() == null || d.summary().isBlank()) {
            out.add(name + ": no description()");
            return out;
        }
        for (String o : options) {
            if (!d.options().containsKey(o) || d.options().get(o).isBlank()) {
                out.add(name + ": option '" + o + "' undocumented");
            }
        }
        for (String o : d.options().keySet()) {
            if (!options.contains(o)) {
                out.add(name + ": documents '" + o + "', which options() does not accept");
            }
        }
        return out;
    }

    @Test
    void every_registered_action_and_check_describes_itself_and_each_of_its_options() {
        List<String> gaps = new ArrayList<>();
        registry.actionNames().forEach(n -> {
            Action a = registry.action(n).orElseThrow();
            gaps.addAll(gaps(n, a.description(), a.options()));
        });
        registry.checkNames().forEach(n -> {
            Check c = registry.check(n).orElseThrow();
            gaps.addAll(gaps(n, c.description(), c.options()));
        });
        assertEquals(List.of(), gaps, "describe them in their classes (see runbooks/README.md, 'Describing an action')");
    }

    @Test
    void every_with_option_a_shipped_runbook_uses_is_documented() throws IOException {
        RunbookLoader loader = new RunbookLoader(registry);
        List<String> gaps = new ArrayList<>();
        int used = 0;
        try (Stream<Path> files = Files.list(Path.of("runbooks"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                Runbook rb = loader.load(f);
                for (Step s : Stream.concat(rb.preflight().stream(), rb.steps().stream()).toList()) {
                    Description d = s.kind() == StepKind.ACTION ? registry.action(s.target()).map(Action::description).orElse(null)
                            : s.kind() == StepKind.CHECK || s.kind() == StepKind.WAIT
                            ? registry.check(s.target()).map(Check::description).orElse(null) : Description.of("built in");
                    if (d == null) {
                        gaps.add(f.getFileName() + ": " + s.target() + " has no description");
                        continue;
                    }
                    for (String key : s.with().keySet()) {
                        used++;
                        if (!d.options().containsKey(key)) {
                            gaps.add(f.getFileName() + ": " + s.target() + " with: {" + key + "} undocumented");
                        }
                    }
                }
            }
        }
        assertTrue(used > 10, "the shipped runbooks use with: options: " + used);
        assertEquals(List.of(), gaps);
    }
}
