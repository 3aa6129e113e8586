package io.pgrunbook.it;

import io.pgrunbook.cli.Cli;
import io.pgrunbook.cli.CliContext;
import io.pgrunbook.remote.TransportFactory;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Runs pgrunbook commands in-process through the real CLI factory, with the real transports. */
public final class CliRunner {
    private CliRunner() {
    }

    /** What a command printed and returned; toString shows both streams, for assertion messages. */
    public record Result(int code, String out, String err, long millis) {
        @Override
        public String toString() {
            return "exit " + code + " in " + millis + " ms\n--- stdout\n" + out + "--- stderr\n" + err;
        }

        public Result expect(int expected) {
            assertEquals(expected, code, this::toString);
            return this;
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

    public static Result run(Map<String, String> extraEnv, String... args) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("XDG_STATE_HOME", STATE.toString());
        env.putAll(extraEnv);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        long t0 = System.nanoTime();
        int code = Cli.run(new CliContext(env, Path.of("").toAbsolutePath(), TransportFactory::open, false),
                new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString(), (System.nanoTime() - t0) / 1_000_000);
    }

    public static Result run(String... args) {
        return run(Map.of(), args);
    }
}
