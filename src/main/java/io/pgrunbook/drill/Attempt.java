package io.pgrunbook.drill;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One write attempt of a drill's writer: row {@code id}, when it was sent and answered, acknowledged or refused, the
 * router it went through and the error. A line of the writer's own log ({@code ID.writes.tsv}).
 */
public record Attempt(long id, Instant start, Instant end, boolean ok, String router, String error) {
    static final String HEADER = "id\tstart\tend\tresult\trouter\terror";

    public Duration took() {
        return Duration.between(start, end);
    }

    String line() {
        return id + "\t" + start + "\t" + end + "\t" + (ok ? "ok" : "refused") + "\t" + router + "\t"
                + (error == null ? "" : error.replaceAll("[\\t\\r\\n]+", " "));
    }

    static Attempt parse(String line) {
        String[] f = line.split("\t", -1);
        return new Attempt(Long.parseLong(f[0]), Instant.parse(f[1]), Instant.parse(f[2]), "ok".equals(f[3]), f[4],
                f.length > 5 && !f[5].isEmpty() ? f[5] : null);
    }

    /** The attempts of a writer's log, in the order they were made. */
    public static List<Attempt> read(Path log) {
        try {
            List<Attempt> out = new ArrayList<>();
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                if (!line.isBlank() && !line.startsWith("id\t")) {
                    out.add(parse(line));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the writer's log " + log, e);
        }
    }
}
