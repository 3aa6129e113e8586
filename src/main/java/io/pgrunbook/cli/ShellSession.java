package io.pgrunbook.cli;

import io.pgrunbook.cluster.ClusterProbe;
import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Inventory;
import io.pgrunbook.inventory.InventoryLoader;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.runbook.InterruptRoute;
import io.pgrunbook.shell.RunbookNames;
import io.pgrunbook.shell.SharedTransports;
import io.pgrunbook.shell.ShellCompleter;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.Parser;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code pgrunbook shell}: the CLI's commands, one a line, in one JVM that keeps the inventory and the hosts' SSH
 * connections between commands. Each line runs through the same picocli tree as {@code pgrunbook ARGS} (same options,
 * output and exit status); the shell adds {@code -i}/{@code -c} as it was started with.
 */
public final class ShellSession implements AutoCloseable {
    /** Commands after which the cluster cannot have changed: no verdict refresh. */
    private static final Set<String> READ_ONLY = Set.of("help", "history", "inventory", "completion", "logs", "plan",
            "doctor", "cds-training", "--help", "-h", "--version", "-V");

    private final CliContext base;
    private final Path inventoryFile;
    private final String clusterName;
    private final List<String> globalArgs;
    private final PrintWriter out;
    private final PrintWriter err;
    private final SharedTransports transports;
    private final CliContext context;
    private final ExecutorService prober = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "shell-verdict");
        t.setDaemon(true);
        return t;
    });

    private volatile Inventory inventory;
    private FileTime loadedAt;
    private volatile String verdict;
    private volatile LineReader reader;
    private volatile Thread running;
    private volatile Thread routedStop;

    public ShellSession(CliContext base, Path inventoryFile, String clusterName, List<String> globalArgs, PrintWriter out, PrintWriter err) {
        this.base = base;
        this.inventoryFile = inventoryFile;
        this.clusterName = clusterName;
        this.globalArgs = globalArgs;
        this.out = out;
        this.err = err;
        this.transports = new SharedTransports(base.transports());
        this.context = new CliContext(base.env(), base.workDir(), transports::lease, base.interactive());
    }

    /** Reads commands from the terminal (prompt, completion, history) or, without one, line by line from stdin. */
    public int run(boolean terminal) throws IOException {
        loadInventory(true);
        return terminal ? interactive() : script();
    }

    private int script() throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        Parser parser = new DefaultParser();
        int last = 0;
        String line;
        while ((line = in.readLine()) != null) {
            List<String> words = words(parser, line);
            if (words == null) {
                err.println("pgrunbook shell: unbalanced quotes: " + line);
                last = ExitCodes.USAGE;
                continue;
            }
            if (words.isEmpty()) {
                continue;
            }
            if (words.get(0).equals("exit") || words.get(0).equals("quit")) {
                break;
            }
            last = execute(words);
        }
        return last;
    }

    private int interactive() throws IOException {
        Terminal terminal = TerminalBuilder.builder().system(true).build();
        Path history = historyFile();
        CommandLineHolder tree = new CommandLineHolder();
        LineReader r = LineReaderBuilder.builder().terminal(terminal).appName("pgrunbook")
                .completer(new ShellCompleter(tree.get(), this::names))
                .variable(LineReader.HISTORY_FILE, history)
                .variable(LineReader.HISTORY_FILE_SIZE, 10_000)
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
                .build();
        reader = r;
        // SIGINT while a command runs (the terminal is in cooked mode then): stop that command, keep the shell
        terminal.handle(Terminal.Signal.INT, s -> interruptCommand());
        int last = 0;
        try {
            while (true) {
                loadInventory(false);
                String line;
                try {
                    line = r.readLine(prompt());
                } catch (UserInterruptException e) {
                    continue; // Ctrl-C at the prompt clears the line
                } catch (EndOfFileException e) {
                    break;
                }
                saveHistory(r, history);
                List<String> words = r.getParsedLine() != null ? r.getParsedLine().words() : List.of();
                words = words.stream().filter(w -> !w.isEmpty()).toList();
                if (words.isEmpty()) {
                    continue;
                }
                if (words.get(0).equals("exit") || words.get(0).equals("quit")) {
                    break;
                }
                last = execute(words);
                if (last != 0) {
                    err.println("[exit " + last + "]");
                    err.flush();
                }
            }
        } finally {
            reader = null;
            saveHistory(r, history);
            terminal.close();
        }
        return last;
    }

    /** Runs one line's command; the shell's own words first. */
    int execute(List<String> words) {
        String first = words.get(0);
        if (first.equals("reload")) {
            transports.closeAll();
            loadInventory(true);
            err.println("inventory " + inventoryFile + " reloaded; connections closed");
            err.flush();
            return 0;
        }
        List<String> args = new ArrayList<>();
        if (first.equals("help")) {
            if (words.size() == 1) {
                args.add("--help");
            } else {
                args.addAll(words.subList(1, words.size()));
                args.add("--help");
            }
        } else {
            args.addAll(words);
        }
        if (first.equals("shell")) {
            err.println("pgrunbook shell: already in the shell");
            return ExitCodes.USAGE;
        }
        List<String> full = new ArrayList<>(args);
        // the shell's own global options, unless the line gives them (picocli refuses an option given twice)
        for (int i = 0; i < globalArgs.size(); i++) {
            String o = globalArgs.get(i);
            boolean valued = o.equals("-i") || o.equals("-c") || o.equals("-o");
            if (!given(args, o)) {
                full.add(o);
                if (valued) {
                    full.add(globalArgs.get(i + 1));
                }
            }
            if (valued) {
                i++;
            }
        }
        String[] argv = full.toArray(String[]::new);
        int code;
        running = Thread.currentThread();
        InterruptRoute.set(new RouteToShell());
        LineReader r = reader;
        io.pgrunbook.runbook.JLineConfirmer.share(r == null ? null : r.getTerminal());
        try {
            code = Cli.run(context, out, err, argv);
        } finally {
            InterruptRoute.set(null);
            io.pgrunbook.runbook.JLineConfirmer.share(null);
            running = null;
            routedStop = null;
            Thread.interrupted(); // a Ctrl-C that arrived as the command ended is not for the next one
        }
        // the verdict is for the prompt: a script has none to show
        if (reader != null && code != ExitCodes.USAGE && !first.equals("help") && !READ_ONLY.contains(first) && !args.contains("--help") && !args.contains("-h")) {
            refreshVerdict();
        }
        return code;
    }

    /** Whether the line gives this global option, in any of picocli's spellings (-i F, -iF, --inventory=F ...). */
    static boolean given(List<String> args, String option) {
        String longName = switch (option) {
            case "-i" -> "--inventory";
            case "-c" -> "--cluster";
            case "-o" -> "--output";
            case "-v" -> "--verbose";
            default -> option;
        };
        for (String a : args) {
            if (a.equals("--")) {
                break;
            }
            if (a.equals(option) || a.equals(longName) || a.startsWith(longName + "=")
                    || option.length() == 2 && !option.equals(longName) && a.startsWith(option) && !a.startsWith("--")) {
                return true;
            }
        }
        return false;
    }

    /** Ctrl-C during a command: a runbook run stops at a clean point (compensation included); anything else is interrupted. */
    private void interruptCommand() {
        Thread stop = routedStop;
        Thread t = running;
        if (stop != null) {
            synchronized (this) {
                if (stop.getState() == Thread.State.NEW) {
                    err.println();
                    err.println("pgrunbook shell: stopping the run at a clean point (Ctrl-C)");
                    err.flush();
                    stop.start();
                }
            }
        } else if (t != null) {
            t.interrupt();
        }
    }

    /** Receives a run's signal handler: Ctrl-C in the shell runs it instead of ending the JVM. */
    private final class RouteToShell implements InterruptRoute.Target {
        @Override
        public void register(Thread onSignal) {
            routedStop = onSignal;
        }

        @Override
        public void unregister(Thread onSignal) {
            if (routedStop == onSignal) {
                routedStop = null;
            }
        }
    }

    /** The prompt: the cluster and its verdict as last probed, never a probe of its own. */
    String prompt() {
        Cluster c = cluster();
        if (c == null) {
            return "pgrunbook> ";
        }
        String v = verdict;
        return "pgrunbook " + c.name() + (v == null ? "" : " " + v) + "> ";
    }

    private Cluster cluster() {
        Inventory inv = inventory;
        if (inv == null) {
            return null;
        }
        try {
            return inv.cluster(clusterName);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Probes the verdict in the background (over the kept connections) and redraws the prompt when it is known. */
    private void refreshVerdict() {
        Cluster c = cluster();
        if (c == null) {
            return;
        }
        prober.submit(() -> {
            try {
                ClusterState s;
                try (Connections connections = context.connections()) {
                    s = new ClusterProbe(connections, context.env()).probe(c);
                }
                verdict = s.verdict().name();
            } catch (RuntimeException e) {
                verdict = "UNKNOWN";
            }
            LineReader r = reader;
            if (r != null) {
                try {
                    if (r instanceof org.jline.reader.impl.LineReaderImpl impl) {
                        impl.setPrompt(prompt());
                    }
                    r.callWidget(LineReader.REDRAW_LINE);
                    r.callWidget(LineReader.REDISPLAY);
                } catch (IllegalStateException notReading) {
                    // a command is running: the next prompt shows it
                }
            }
        });
    }

    /** The inventory, parsed again only when its file changed (or on {@code reload}). */
    private void loadInventory(boolean force) {
        try {
            FileTime t = Files.exists(inventoryFile) ? Files.getLastModifiedTime(inventoryFile) : null;
            if (!force && t != null && t.equals(loadedAt)) {
                return;
            }
            loadedAt = t;
            Inventory before = inventory;
            inventory = t == null ? null : new InventoryLoader(base.env()).load(inventoryFile);
            if (before != null && !force) {
                err.println("(inventory " + inventoryFile + " changed: reloaded)");
                transports.closeAll();
                verdict = null;
            }
        } catch (IOException | RuntimeException e) {
            // the commands report the inventory's errors themselves, one line with its file and line
            inventory = null;
        }
    }

    ShellCompleter.Names names() {
        Inventory inv = inventory;
        Set<String> hosts = new TreeSet<>();
        Set<String> clusters = new TreeSet<>();
        if (inv != null) {
            clusters.addAll(inv.clusters().keySet());
            Cluster c = cluster();
            for (Cluster each : c != null ? List.of(c) : inv.clusters().values()) {
                each.hosts().stream().map(Host::name).forEach(hosts::add);
            }
        }
        return new ShellCompleter.Names(hosts, clusters, RunbookNames.list(base.workDir()));
    }

    /** {@code $XDG_STATE_HOME/pgrunbook/shell_history}, private to the user: commands may name hosts and options. */
    private Path historyFile() throws IOException {
        Path dir = base.stateDir();
        Files.createDirectories(dir);
        Path file = dir.resolve("shell_history");
        if (!Files.exists(file)) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private static void saveHistory(LineReader r, Path file) {
        try {
            r.getHistory().save();
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            // history is a convenience: a full disk must not stop the shell
        }
    }

    private static List<String> words(Parser parser, String line) {
        try {
            return parser.parse(line, line.length(), Parser.ParseContext.ACCEPT_LINE).words().stream()
                    .filter(w -> !w.isEmpty()).toList();
        } catch (org.jline.reader.SyntaxError e) {
            return null;
        }
    }

    /** The whole command tree, built once for completion. */
    private final class CommandLineHolder {
        picocli.CommandLine get() {
            return Cli.commandLine(context, out, err);
        }
    }

    @Override
    public void close() {
        prober.shutdownNow();
        transports.close();
    }
}
