package io.pgrunbook.runbook;

import io.pgrunbook.core.Secrets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The journal of one run: JSON lines under {@code STATE/runs/ID.jsonl}, one event per line, flushed as written so a
 * killed run leaves everything up to the moment it died. Every string is masked ({@link Secrets}) on the way in.
 */
public final class Journal implements AutoCloseable {
    /**
     * Non-ASCII escaped as well as control characters: {@code cat} of a journal cannot reach the terminal with an
     * escape sequence or a bidi mark from remote output; Jackson reads the text back unchanged.
     */
    static final ObjectMapper JSON = new ObjectMapper().enable(com.fasterxml.jackson.core.json.JsonWriteFeature.ESCAPE_NON_ASCII.mappedFeature());
    private static final java.nio.file.attribute.FileAttribute<java.util.Set<java.nio.file.attribute.PosixFilePermission>> USER_ONLY_FILE =
            java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    private final String runId;
    private final Path file;
    private final BufferedWriter out;
    private final java.util.Set<String> secrets;

    private Journal(String runId, Path file, java.util.Set<String> secrets) throws IOException {
        this.runId = runId;
        this.secrets = secrets;
        this.file = file;
        createUserOnly(file);
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.WRITE);
    }

    public static Path runsDir(Path stateDir) {
        return stateDir.resolve("runs");
    }

    /**
     * The runs directory, created or tightened to 0700 (and the state directory above it): journals and logs hold
     * commands, hosts and output that are the operator's alone.
     */
    static Path privateRunsDir(Path stateDir) throws IOException {
        Path runs = runsDir(stateDir);
        Files.createDirectories(runs);
        for (Path d : List.of(stateDir, runs)) {
            if (Files.getFileStore(d).supportsFileAttributeView("posix")) {
                Files.setPosixFilePermissions(d, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            }
        }
        return runs;
    }

    /** A new file that only its owner can read, from the first byte (never created wider and narrowed after). */
    static void createUserOnly(Path file) throws IOException {
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(file, USER_ONLY_FILE);
        } else {
            Files.createFile(file);
        }
    }

    public static Journal create(Path stateDir, String runId) {
        return create(stateDir, runId, java.util.Set.of());
    }

    /** {@code secrets}: values to mask wherever they appear (the values of secret parameters). */
    public static Journal create(Path stateDir, String runId, java.util.Set<String> secrets) {
        try {
            privateRunsDir(stateDir);
            return new Journal(runId, runsDir(stateDir).resolve(runId + ".jsonl"), java.util.Set.copyOf(secrets));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the journal under " + runsDir(stateDir), e);
        }
    }

    public String runId() {
        return runId;
    }

    public Path file() {
        return file;
    }

    /** Appends one event: {@code event}, {@code time}, {@code run_id}, then the fields, all masked. */
    public synchronized void write(String event, Map<String, ?> fields) {
        ObjectNode n = JSON.createObjectNode();
        n.put("event", event);
        n.put("time", Instant.now().toString());
        n.put("run_id", runId);
        n.setAll((ObjectNode) JSON.valueToTree(fields));
        try {
            out.write(JSON.writeValueAsString(mask(n, secrets)));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the journal " + file, e);
        }
    }

    static JsonNode mask(JsonNode n, java.util.Set<String> secrets) {
        if (n.isTextual()) {
            return new TextNode(Secrets.mask(n.asText(), secrets));
        }
        if (n.isObject()) {
            ObjectNode o = (ObjectNode) n;
            Iterator<Map.Entry<String, JsonNode>> it = o.fields();
            List<Map.Entry<String, JsonNode>> all = new ArrayList<>();
            it.forEachRemaining(all::add);
            all.forEach(e -> o.set(e.getKey(), Secrets.secretName(e.getKey()) && e.getValue().isValueNode() && !e.getValue().isNull()
                    ? new TextNode("****") : mask(e.getValue(), secrets)));
            return o;
        }
        if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) {
                ((com.fasterxml.jackson.databind.node.ArrayNode) n).set(i, mask(n.get(i), secrets));
            }
        }
        return n;
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException ignored) {
            // nothing more to write
        }
    }

    // ---- reading ----

    /** Every event of a run, in order. */
    public static List<JsonNode> read(Path stateDir, String runId) {
        if (!runId.matches("[A-Za-z0-9_-][A-Za-z0-9_.-]*")) {
            return null; // not a run id: no such run (and never a path outside the runs directory)
        }
        Path f = runsDir(stateDir).resolve(runId + ".jsonl");
        if (!Files.isRegularFile(f)) {
            return null;
        }
        try (Stream<String> lines = Files.lines(f, StandardCharsets.UTF_8)) {
            List<JsonNode> out = new ArrayList<>();
            for (String l : (Iterable<String>) lines::iterator) {
                if (!l.isBlank()) {
                    try {
                        out.add(JSON.readTree(l));
                    } catch (IOException e) {
                        // a line cut short when the process died: everything before it still counts
                    }
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * One line per run for `history`, newest first. {@code inventory} (absolute path) and {@code systemIdentifier}
     * are null in journals older than them.
     */
    public record Summary(String time, String runId, String runbook, String cluster, String result, String user,
                          String machine, boolean dryRun, String inventory, String systemIdentifier) {
    }

    public static List<Summary> list(Path stateDir) {
        Path dir = runsDir(stateDir);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Summary> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".jsonl")).toList()) {
                String id = f.getFileName().toString().replaceFirst("\\.jsonl$", "");
                List<JsonNode> ev = read(stateDir, id);
                if (ev == null || ev.isEmpty()) {
                    continue;
                }
                JsonNode start = ev.get(0);
                JsonNode end = ev.stream().filter(e -> "end".equals(e.path("event").asText())).reduce((a, b) -> b).orElse(null);
                out.add(new Summary(start.path("time").asText(), id, start.path("runbook").asText(), start.path("cluster").asText(),
                        end == null ? "unfinished" : end.path("result").asText(), start.path("user").asText(),
                        start.path("machine").asText(), start.path("dry_run").asBoolean(), text(start, "inventory"),
                        text(start, "system_identifier")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort((a, b) -> b.time().compareTo(a.time()));
        return out;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
