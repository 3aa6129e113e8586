package io.pgrunbook.shell;

import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

/**
 * Tab completion over the CLI's own picocli model (so a new command or option completes without a change here), with
 * the values only the loaded inventory knows: host names where a HOST goes ({@code logs <TAB>},
 * {@code switchover --to <TAB>}), cluster names after {@code -c}, runbook names where a RUNBOOK goes.
 */
public final class ShellCompleter implements Completer {
    /** The names completion offers, read at each TAB (the inventory may have been reloaded). */
    public record Names(Collection<String> hosts, Collection<String> clusters, Collection<String> runbooks) {
    }

    /** Words of the shell itself, offered beside the commands. */
    public static final List<String> SHELL_WORDS = List.of("help", "exit", "quit", "reload");

    private final CommandLine root;
    private final Supplier<Names> names;

    public ShellCompleter(CommandLine root, Supplier<Names> names) {
        this.root = root;
        this.names = names;
    }

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
        for (String s : candidates(line.words().subList(0, line.wordIndex()))) {
            candidates.add(new Candidate(s, s, null, null, null, null, !s.endsWith("=")));
        }
    }

    /** What may come after these complete words (the word being typed is filtered by JLine). */
    public List<String> candidates(List<String> before) {
        CommandLine cl = root;
        List<String> words = new ArrayList<>();
        for (String w : before) {
            if (!w.isEmpty()) {
                words.add(w);
            }
        }
        int positional = 0;
        ArgSpec pending = null;
        for (String w : words) {
            if (pending != null) {
                pending = null;
                continue;
            }
            CommandLine sub = cl.getSubcommands().get(w);
            if (sub != null && positional == 0) {
                cl = sub;
                continue;
            }
            if (w.startsWith("-") && w.length() > 1) {
                OptionSpec o = option(cl.getCommandSpec(), w.contains("=") ? w.substring(0, w.indexOf('=')) : w);
                if (o != null && o.arity().max() > 0 && !w.contains("=")) {
                    pending = o;
                }
                continue;
            }
            positional++;
        }
        List<String> out = new ArrayList<>();
        if (pending != null) {
            out.addAll(values(pending));
            return out;
        }
        CommandSpec spec = cl.getCommandSpec();
        if (cl == root) {
            out.addAll(SHELL_WORDS);
        }
        if (positional == 0) {
            cl.getSubcommands().forEach((n, sub) -> {
                if (!n.equals("shell") && !hidden(sub)) {
                    out.add(n);
                }
            });
        }
        for (PositionalParamSpec p : spec.positionalParameters()) {
            if (p.index().contains(positional)) {
                out.addAll(values(p));
            }
        }
        for (OptionSpec o : options(spec)) {
            if (!o.hidden()) {
                out.add(o.longestName());
            }
        }
        return out;
    }

    private static boolean hidden(CommandLine cl) {
        return cl.getCommandSpec().usageMessage().hidden();
    }

    private List<OptionSpec> options(CommandSpec spec) {
        List<OptionSpec> all = new ArrayList<>(spec.options());
        // the global options (-i, -c, -o...) are inherited by every subcommand
        if (spec.root() != spec) {
            for (OptionSpec o : spec.root().options()) {
                if (spec.findOption(o.longestName()) == null) {
                    all.add(o);
                }
            }
        }
        return all;
    }

    private static OptionSpec option(CommandSpec spec, String name) {
        OptionSpec o = spec.findOption(name);
        return o != null || spec.root() == spec ? o : spec.root().findOption(name);
    }

    private List<String> values(ArgSpec arg) {
        String label = arg.paramLabel();
        List<String> out = new ArrayList<>();
        Names n = names.get();
        String option = arg instanceof OptionSpec o ? o.longestName() : "";
        if (label.contains("HOST") || option.equals("--confirm-host")) {
            out.addAll(n.hosts());
        } else if (option.equals("--cluster")) {
            out.addAll(n.clusters());
        } else if (label.contains("RUNBOOK")) {
            out.addAll(n.runbooks());
        } else if (arg.completionCandidates() != null) {
            arg.completionCandidates().forEach(out::add);
        }
        return out;
    }
}
