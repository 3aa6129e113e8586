package io.pgrunbook.cli;

import io.pgrunbook.action.Action;
import io.pgrunbook.action.Check;
import io.pgrunbook.action.Description;
import io.pgrunbook.action.Registry;
import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** {@code pgrunbook actions [NAME]}: the built-in actions and checks a runbook can use, described by their code. */
@Command(name = "actions", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"List the built-in actions (action: NAME) and checks (check: NAME, wait: NAME) a runbook can use:"
                + " what each does, its with: options, what it changes, the hazard it may leave open and its"
                + " compensation, and whether it is read-only. With NAME, that one in full."},
        footer = {"", "Exit codes: 0 done, 64 no action or check of that name."})
public class ActionsCommand extends AbstractCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "An action or check, e.g. pgbouncer.pause.")
    String name;

    /** One entry, for -o json. */
    public record Entry(String name, String kind, boolean readOnly, String summary, Map<String, String> options,
                        String changes, String compensation) {
    }

    static List<Entry> entries(Registry r) {
        List<Entry> out = new ArrayList<>();
        for (String n : r.actionNames()) {
            Action a = r.action(n).orElseThrow();
            Description d = a.description() == null ? Description.of("(not described)") : a.description();
            out.add(new Entry(n, "action", a.readOnly(), d.summary(), new TreeMap<>(d.options()), d.changes(), d.compensation()));
        }
        for (String n : r.checkNames()) {
            Check c = r.check(n).orElseThrow();
            Description d = c.description() == null ? Description.of("(not described)") : c.description();
            out.add(new Entry(n, "check", true, d.summary(), new TreeMap<>(d.options()), null, null));
        }
        return out;
    }

    @Override
    public Integer call() throws Exception {
        List<Entry> all = entries(Registry.builtins());
        List<Entry> shown = name == null ? all : all.stream().filter(e -> e.name().equals(name)).toList();
        if (shown.isEmpty()) {
            throw new PgrunbookException(Outcome.USAGE, "no action or check named '" + name + "'",
                    "'pgrunbook actions' lists them all");
        }
        if (global().json()) {
            out().println(Json.pretty(name == null ? shown : shown.get(0)));
            return ExitCodes.OK;
        }
        if (name == null) {
            Table t = new Table("NAME", "KIND", "READ-ONLY", "OPTIONS", "WHAT IT DOES");
            for (Entry e : shown) {
                t.row(e.name(), e.kind(), e.readOnly() ? "yes" : "no", e.options().isEmpty() ? null : String.join(",", e.options().keySet()),
                        e.summary());
            }
            out().print(t.render());
            out().println("Details: pgrunbook actions NAME");
            return ExitCodes.OK;
        }
        Entry e = shown.get(0);
        out().println(e.name() + " (" + e.kind() + (e.readOnly() ? ", read-only" : "") + ")");
        out().println("  " + e.summary());
        if (!e.options().isEmpty()) {
            out().println("  with:");
            e.options().forEach((k, v) -> out().println("    " + k + ": " + v));
        }
        if (e.kind().equals("action")) {
            out().println("  changes: " + (e.changes() == null ? "nothing" : e.changes()));
            out().println("  compensation: " + (e.compensation() == null ? "none: it leaves no hazard open" : e.compensation()));
        }
        return ExitCodes.OK;
    }
}
