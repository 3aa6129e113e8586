package io.pgrunbook.it;

import io.pgrunbook.cli.Cli;
import io.pgrunbook.cli.CliContext;
import io.pgrunbook.remote.TransportFactory;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The one way tests run pgrunbook: in-process through the same factory as main, both streams captured. Integration
 * tests use the real transports ({@link #run(String...)}, {@link #onInventory}); unit tests give their own context and
 * may set up the command tree first (a scripted confirmer, a state source) with {@link #run(CliContext, Consumer, String...)}.
 */
public final class CliRunner {
    private CliRunner() {
    }

    /** What a command printed and returned; toString shows both streams, for assertion messages. */
    public record Result(int code, String out, String err, long millis) {
        @Override
        public String toString() {
            return "exit " + code + " in " + millis + " ms\n--- stdout\n" + out + "--- stderr\n" + err;
        }

        /** For assertion messages: both streams. */
        public String both() {
            return toString();
        }

        public Result expect(int expected) {
            assertEquals(expected, code, this::toString);
            return this;
        }

        /** Lines of stdout whose first whitespace-separated words are {@code cells}, in that order. */
        public List<String> rows(String... cells) {
            List<String> r = new ArrayList<>();
            for (String line : out.split("\n")) {
                List<String> words = List.of(line.trim().split("\\s+"));
                if (words.size() >= cells.length && words.subList(0, cells.length).equals(List.of(cells))) {
                    r.add(line);
                }
            }
            return r;
        }
    }

    /** Journals, locks and logs of the tests' runs stay out of the operator's own state directory. */
    private static final Path STATE = tempState();

    private static Path tempState() {
        try {
            return java.nio.file.Files.createTempDirectory("pgrunbook-it-state-");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static Path stateDir() {
        return STATE;
    }

    /** The integration tests' context: this process's environment, the real transports, state in a temp directory. */
    public static CliContext context(Map<String, String> extraEnv) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("XDG_STATE_HOME", STATE.toString());
        env.putAll(extraEnv);
        return new CliContext(env, Path.of("").toAbsolutePath(), TransportFactory::open, false);
    }

    public static Result run(Map<String, String> extraEnv, String... args) {
        return run(context(extraEnv), null, args);
    }

    public static Result run(String... args) {
        return run(Map.of(), args);
    }

    /** A command on the lab (or any) inventory, colour off: {@code -i INVENTORY --no-color ARGS}. */
    public static Result onInventory(Path inventory, String... args) {
        List<String> all = new ArrayList<>(List.of("-i", inventory.toString(), "--no-color"));
        all.addAll(List.of(args));
        return run(all.toArray(String[]::new));
    }

    /**
     * Runs {@code args} in {@code ctx}. {@code setup}, when given, sees the whole command tree before it runs (to
     * hand a command a scripted confirmer or a state source); without it the tree is built as main builds it.
     */
    public static Result run(CliContext ctx, Consumer<CommandLine> setup, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        long t0 = System.nanoTime();
        int code;
        if (setup == null) {
            code = Cli.run(ctx, new PrintWriter(out), new PrintWriter(err), args);
        } else {
            PrintWriter o = new PrintWriter(out, true);
            PrintWriter e = new PrintWriter(err, true);
            CommandLine cl = Cli.commandLine(ctx, o, e);
            setup.accept(cl);
            code = cl.execute(args);
            o.flush();
            e.flush();
        }
        return new Result(code, out.toString(), err.toString(), (System.nanoTime() - t0) / 1_000_000);
    }
}
