package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A pgrunbook command in a JVM of its own (as InterruptIT runs it), so that a test can freeze it (SIGSTOP), break
 * something under it, and let it go on; its journal is read while it runs, to act at a given step.
 */
final class ChildRun {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path console;
    private final Set<String> runsBefore;

    private ChildRun(Process process, Path console, Set<String> runsBefore) {
        this.process = process;
        this.console = console;
        this.runsBefore = runsBefore;
    }

    static Path runsDir() {
        return CliRunner.stateDir().resolve("pgrunbook").resolve("runs");
    }

    /** The journals (runs/*.jsonl) in the tests' state directory now. */
    static Set<String> runs() throws IOException {
        if (!Files.isDirectory(runsDir())) {
            return Set.of();
        }
        try (Stream<Path> s = Files.list(runsDir())) {
            return Set.copyOf(s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jsonl")).toList());
        }
    }

    static ChildRun start(Path inventory, String... args) throws IOException {
        Set<String> before = runs();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", cp, "io.pgrunbook.cli.Main", "-i", inventory.toString(), "--no-color"));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().put("XDG_STATE_HOME", CliRunner.stateDir().toString());
        Path console = Files.createTempFile("pgrunbook-fault-", ".log");
        pb.redirectErrorStream(true);
        pb.redirectOutput(console.toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        return new ChildRun(pb.start(), console, before);
    }

    Process process() {
        return process;
    }

    String console() {
        try {
            return Files.exists(console) ? Files.readString(console) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    Path journal() throws IOException {
        for (String r : runs()) {
            if (!runsBefore.contains(r)) {
                return runsDir().resolve(r);
            }
        }
        return null;
    }

    String runId() throws IOException {
        return journal().getFileName().toString().replaceFirst("\\.jsonl$", "");
    }

    List<JsonNode> events() throws IOException {
        Path j = journal();
        List<JsonNode> out = new ArrayList<>();
        if (j == null) {
            return out;
        }
        for (String line : Files.readAllLines(j)) {
            try {
                out.add(JSON.readTree(line));
            } catch (IOException e) {
                // the line being written right now: read again on the next poll
            }
        }
        return out;
    }

    /** Waits (polling the journal every few ms) for an event; fails with the console when the run ends first. */
    JsonNode await(String what, Duration limit, Predicate<JsonNode> event) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode e : events()) {
                if (event.test(e)) {
                    return e;
                }
            }
            if (!process.isAlive()) {
                for (JsonNode e : events()) {
                    if (event.test(e)) {
                        return e;
                    }
                }
                throw new AssertionError("the run ended before " + what + ":\n" + console());
            }
            Thread.sleep(3);
        }
        throw new AssertionError("timed out waiting for " + what + ":\n" + console());
    }

    JsonNode awaitStepStart(int n) throws Exception {
        return await("step " + n + " to start", Duration.ofSeconds(60),
                e -> e.path("event").asText().equals("step_start") && e.path("number").asInt() == n);
    }

    void signal(String sig) throws Exception {
        assert process.isAlive();
        int rc = new ProcessBuilder("kill", "-" + sig, String.valueOf(process.pid())).start().waitFor();
        if (rc != 0) {
            throw new AssertionError("kill -" + sig + " " + process.pid() + " failed");
        }
    }

    /** Waits for the exit; returns the exit code. */
    int exit(Duration limit) throws Exception {
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the run did not end within " + limit.toSeconds() + " s:\n" + console());
        }
        return process.exitValue();
    }

    /** The journal's events of one kind. */
    List<JsonNode> events(String kind) throws IOException {
        return events().stream().filter(e -> e.path("event").asText().equals(kind)).toList();
    }

    /** The run's last lines (what it undid and left, the cluster now, the next command), for the test's log. */
    String closing() {
        String c = console();
        int i = c.indexOf("Closing what the run left open");
        if (i < 0) {
            i = c.lastIndexOf("\npgrunbook: ");
        }
        return i < 0 ? "" : c.substring(i).strip().replaceAll("(?m)^", "    ");
    }

    String result() throws IOException {
        List<JsonNode> end = events("end");
        return end.isEmpty() ? "unfinished" : end.get(end.size() - 1).path("result").asText();
    }
}
