package io.pgrunbook.cli;

import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.inventory.InventoryException;
import io.pgrunbook.remote.HostKeyException;
import io.pgrunbook.remote.Sanitize;
import io.pgrunbook.remote.TransportException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

import java.io.PrintWriter;

/** Builds the CommandLine for main and for tests; maps exceptions to one clear line and an exit code. */
public final class Cli {
    private Cli() {
    }

    public static int run(String... args) {
        return run(CliContext.system(), new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    public static int run(CliContext context, PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = commandLine(context, out, err, args);
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** The whole command tree (tests, completion). */
    public static CommandLine commandLine(CliContext context, PrintWriter out, PrintWriter err) {
        return commandLine(context, out, err, (String[]) null);
    }

    /**
     * The command tree for these arguments: only the subcommands they name (any argument equal to a subcommand's
     * name); when they name none, no subcommand at all for {@code --version} and an outline of each (name and
     * description, what the usage message and "did you mean" show) for the rest; the whole tree when they ask for it
     * (completion, help). Null: all. Building picocli's model of every command costs a cold JVM more than the rest
     * of {@code --version} together, and an operator waits on every command.
     */
    public static CommandLine commandLine(CliContext context, PrintWriter out, PrintWriter err, String[] args) {
        RootCommand root = new RootCommand(context);
        Factory factory = new Factory(root);
        CommandLine cl = new CommandLine(root, factory);
        if (args == null || !versionOnly(args)) {
            java.util.Set<String> named = args == null ? java.util.Set.of() : java.util.Set.of(distinct(args));
            java.util.List<Class<?>> chosen = RootCommand.SUBCOMMANDS.stream()
                    .filter(c -> named.contains(c.getAnnotation(CommandLine.Command.class).name())).toList();
            boolean all = args == null || named.contains("completion") || named.contains("cds-training") || named.contains("help")
                    // picocli reads '@FILE' arguments from the file: they may name any command
                    || java.util.Arrays.stream(args).anyMatch(a -> a != null && a.startsWith("@"));
            if (all) {
                RootCommand.SUBCOMMANDS.forEach(c -> cl.addSubcommand(c.getAnnotation(CommandLine.Command.class).name(), c));
            } else if (chosen.isEmpty()) {
                RootCommand.SUBCOMMANDS.forEach(c -> cl.addSubcommand(c.getAnnotation(CommandLine.Command.class).name(), outline(c)));
            } else {
                chosen.forEach(c -> cl.addSubcommand(c.getAnnotation(CommandLine.Command.class).name(), c));
            }
        }
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // '-c lab history': the lab's cluster is called like the lab command, and picocli takes it for the command
        cl.setAllowSubcommandsAsOptionParameters(true);
        cl.setUsageHelpWidth(100);
        cl.setExecutionExceptionHandler(new ErrorHandler());
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter e = ex.getCommandLine().getErr();
            if (ex instanceof CommandLine.MissingParameterException) {
                // picocli checks required options before unknown ones: '--to' missing would hide the typo '--fomr'
                java.util.List<String> unknown = unknownOptions(ex.getCommandLine(), a);
                if (!unknown.isEmpty()) {
                    CommandLine.UnmatchedArgumentException u = new CommandLine.UnmatchedArgumentException(ex.getCommandLine(), unknown);
                    e.println("pgrunbook: " + Sanitize.text(u.getMessage()));
                    CommandLine.UnmatchedArgumentException.printSuggestions(u, e);
                }
            }
            RootCommand r = (RootCommand) ex.getCommandLine().getCommandSpec().root().userObject();
            String help = ex.getCommandLine().getCommandSpec().qualifiedName() + " --help";
            e.println("pgrunbook: " + Sanitize.text(ex.getMessage()));
            ErrorReport.json(r, ex.getCommandLine().getOut(), ExitCodes.USAGE, ex.getMessage(), "see '" + help + "'", null);
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, e);
            e.println("Try '" + help + "' for more information.");
            return ExitCodes.USAGE;
        });
        cl.setExitCodeExceptionMapper(ErrorHandler::exitCode);
        cl.setExecutionStrategy(parsed -> {
            if (root.global.verbose()) {
                verbose();
            }
            java.util.List<CommandLine> chain = parsed.asCommandLineList();
            CommandLine leaf = chain.get(chain.size() - 1);
            if (root.global.nagios() && !(leaf.getCommand() instanceof StatusCommand) && !leaf.isUsageHelpRequested()
                    && !leaf.isVersionHelpRequested()) {
                // a monitoring agent runs `status -o nagios`; any other command would print a table it cannot read
                throw new CommandLine.ParameterException(leaf, "-o nagios is for status only");
            }
            try {
                return new CommandLine.RunLast().execute(parsed);
            } finally {
                // a command that probed and then refused never handed its probe's transports to a run
                if (leaf.getCommand() instanceof EngineCommand ec) {
                    ec.closeKept();
                }
            }
        });
        return cl;
    }

    /** The arguments that look like options and are none of this command's (inherited ones included). */
    static java.util.List<String> unknownOptions(CommandLine cl, String[] args) {
        java.util.List<String> unknown = new java.util.ArrayList<>();
        CommandLine.Model.CommandSpec spec = cl.getCommandSpec();
        boolean takesValue = false;
        for (String arg : args) {
            if (arg == null || arg.equals("--")) {
                break;
            }
            if (takesValue) {
                takesValue = false;
                continue;
            }
            if (!arg.startsWith("-") || arg.equals("-") || arg.matches("-\\d.*")) {
                continue;
            }
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            CommandLine.Model.OptionSpec o = spec.findOption(name);
            if (o == null && spec.root() != spec) {
                o = spec.root().findOption(name);
            }
            if (o == null && !name.startsWith("--") && name.length() > 2) {
                // clustered short options (-yv) and a short option with its value attached (-ifile)
                o = spec.findOption(name.substring(0, 2));
                if (o != null) {
                    continue;
                }
            }
            if (o == null) {
                unknown.add(arg);
            } else {
                takesValue = o.arity().max() > 0 && !arg.contains("=");
            }
        }
        return unknown;
    }

    /**
     * {@code -V}/{@code --version} with none but the global options that do not change what it prints: picocli
     * prints the version without looking at subcommands, so none is needed. Anything else (a word that may be a
     * command or a typo of one, --help, which wins over --version, clustered options) is left to the full parse.
     */
    static boolean versionOnly(String[] args) {
        boolean version = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a == null) {
                return false;
            } else if (a.equals("-V") || a.equals("--version")) {
                version = true;
            } else if (java.util.Set.of("-i", "--inventory", "-c", "--cluster", "-o", "--output").contains(a)) {
                i++;
            } else if (!java.util.Set.of("-v", "--verbose", "--no-color").contains(a) && !a.startsWith("--inventory=")
                    && !a.startsWith("--cluster=") && !a.startsWith("--output=")) {
                return false;
            }
        }
        return version;
    }

    /**
     * A stand-in for a subcommand that the arguments do not name: its name, description and visibility as its
     * {@code @Command} says, for the usage message and the suggestions, without the reflection over its options.
     * It is never run: picocli only runs a subcommand that an argument names, and then the real one is registered.
     */
    private static CommandLine outline(Class<?> c) {
        CommandLine.Command a = c.getAnnotation(CommandLine.Command.class);
        CommandLine.Model.CommandSpec spec = CommandLine.Model.CommandSpec.create().name(a.name());
        spec.usageMessage().header(a.header()).description(a.description()).hidden(a.hidden());
        return new CommandLine(spec);
    }

    private static String[] distinct(String[] args) {
        return java.util.Arrays.stream(args).filter(java.util.Objects::nonNull).distinct().toArray(String[]::new);
    }

    /** -v: our own debug lines (every remote command) on the console. */
    private static void verbose() {
        if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext lc) {
            lc.getLogger("io.pgrunbook").setLevel(ch.qos.logback.classic.Level.DEBUG);
        }
    }

    /** Creates commands; RootCommand gets the context. */
    private static final class Factory implements CommandLine.IFactory {
        private final RootCommand root;
        private final CommandLine.IFactory fallback = CommandLine.defaultFactory();

        Factory(RootCommand root) {
            this.root = root;
        }

        @Override
        public <K> K create(Class<K> cls) throws Exception {
            if (cls == RootCommand.class) {
                return cls.cast(root);
            }
            return fallback.create(cls);
        }
    }

    /** One line naming the cause, a hint, the stack trace only with -v. */
    static final class ErrorHandler implements IExecutionExceptionHandler {
        static int exitCode(Throwable t) {
            if (t instanceof PgrunbookException p) {
                return ExitCodes.of(p.outcome());
            }
            if (t instanceof InventoryException) {
                return ExitCodes.INVALID_INPUT;
            }
            if (t instanceof HostKeyException) {
                return ExitCodes.REFUSED;
            }
            if (interrupted(t)) {
                // Ctrl-C in `pgrunbook shell` interrupts the command instead of ending the JVM
                return ExitCodes.ABORTED;
            }
            if (t instanceof TransportException) {
                return ExitCodes.FAILED;
            }
            return ExitCodes.INTERNAL;
        }

        /** An interruption, or a failure caused by one (an SSH wait interrupted surfaces as an IOException). */
        static boolean interrupted(Throwable t) {
            for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
                if (c instanceof InterruptedException || c instanceof java.io.InterruptedIOException) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public int handleExecutionException(Exception ex, CommandLine cl, ParseResult parsed) {
            PrintWriter err = cl.getErr();
            RootCommand root = (RootCommand) cl.getCommandSpec().root().userObject();
            int code = exitCode(ex);
            String message = ex.getMessage() != null ? ex.getMessage() : ex.getClass().getSimpleName();
            if (code == ExitCodes.ABORTED && interrupted(ex)) {
                message = "interrupted (Ctrl-C)";
            }
            if (code == ExitCodes.INTERNAL) {
                Throwable cause = ex;
                while (cause.getCause() != null && cause.getCause() != cause) {
                    cause = cause.getCause();
                }
                message = "internal error: " + (cause.getMessage() != null ? cause.getMessage() : cause.getClass().getName());
            }
            String hint = ex instanceof PgrunbookException p ? p.hint() : null;
            ErrorReport.print(root, cl.getOut(), err, code, message, hint, ErrorReport.next(root, cl, code, hint));
            if (root.global.verbose()) {
                ex.printStackTrace(err);
            } else if (code == ExitCodes.INTERNAL) {
                err.println("  (run again with -v for the stack trace)");
            }
            err.flush();
            return code;
        }
    }
}
