package io.pgrunbook.pg;

import io.pgrunbook.inventory.Units;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Live progress of {@code pg_basebackup -P}: each report line ("12345/67890 kB (18%), 0/1 tablespace") becomes bytes
 * done and total, percent, rate and ETA. pg_basebackup ends a report with a newline (not a carriage return) when its
 * stderr is not a terminal, which is always the case under a transport, so one line is one report.
 */
public final class BaseBackupProgress {
    private static final Pattern LINE = Pattern.compile("(\\d+)/(\\d+) kB \\((\\d+)%\\)");

    /** One report; {@code rate} in bytes/s (null until two reports), {@code etaSeconds} null when unknown. */
    public record Sample(long doneBytes, long totalBytes, int percent, Double rate, Long etaSeconds) {
        public String render() {
            StringBuilder b = new StringBuilder(Units.bytes(doneBytes)).append(" / ").append(Units.bytes(totalBytes))
                    .append(" (").append(percent).append("%)");
            if (rate != null) {
                b.append(", ").append(Units.bytes(Math.round(rate))).append("/s");
            }
            if (etaSeconds != null) {
                b.append(", ETA ").append(etaSeconds).append('s');
            }
            return b.toString();
        }
    }

    private final long startNanos;
    private Long firstDone;

    public BaseBackupProgress(long startNanos) {
        this.startNanos = startNanos;
    }

    /** A report line parsed, at {@code nowNanos}; empty for any other output line. */
    public Optional<Sample> accept(String line, long nowNanos) {
        Matcher m = LINE.matcher(line);
        if (!m.find()) {
            return Optional.empty();
        }
        long done = Long.parseLong(m.group(1)) * 1024;
        long total = Long.parseLong(m.group(2)) * 1024;
        int pct = Integer.parseInt(m.group(3));
        if (firstDone == null) {
            firstDone = done;
        }
        double secs = (nowNanos - startNanos) / 1e9;
        Double rate = secs > 0.2 && done > 0 ? done / secs : null;
        Long eta = rate != null && rate > 0 && total >= done ? Math.round((total - done) / rate) : null;
        return Optional.of(new Sample(done, total, pct, rate, eta));
    }

    /** Parses one line with no timing (rate and ETA null); for tests and single reports. */
    public static Optional<Sample> parse(String line) {
        return new BaseBackupProgress(0).accept(line, 0);
    }
}
