package io.pgrunbook.inventory;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations ({@code 10s}, {@code 500ms}, {@code 2m}, {@code 1h}) and sizes ({@code 16MB}, {@code 512kB}) as people write them. */
public final class Units {
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|min|h|d)?");
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(b|kb|k|mb|m|gb|g|tb|t|kib|mib|gib|tib)?");

    private Units() {
    }

    /** Longer than any timeout makes sense for; also far from where milliseconds overflow a long. */
    public static final Duration MAX_DURATION = Duration.ofDays(365);
    /** 1 EB: more than any disk or lag, far from where bytes overflow a long. */
    public static final long MAX_SIZE = 1L << 60;

    /** A duration; a bare number is seconds; at most {@link #MAX_DURATION}. */
    public static Duration duration(String text) {
        if (text == null) {
            throw new IllegalArgumentException("no value: give a duration (examples: 500ms, 10s, 2m, 1h)");
        }
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (examples: 500ms, 10s, 2m, 1h)");
        }
        String u = m.group(2) == null ? "s" : m.group(2);
        long perUnit = switch (u) {
            case "ms" -> 1;
            case "s" -> 1000;
            case "m", "min" -> 60_000;
            case "h" -> 3_600_000;
            default -> 86_400_000;
        };
        BigDecimal ms = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(perUnit));
        if (ms.compareTo(BigDecimal.valueOf(MAX_DURATION.toMillis())) > 0) {
            throw new IllegalArgumentException("'" + text + "' is too long (at most 365d)");
        }
        return Duration.ofMillis(ms.setScale(0, RoundingMode.HALF_UP).longValueExact());
    }

    /** A size in bytes; units are powers of 1024 as in PostgreSQL ({@code 16MB} = 16777216); a bare number is bytes. */
    public static long size(String text) {
        if (text == null) {
            throw new IllegalArgumentException("no value: give a size (examples: 512kB, 16MB, 1GB)");
        }
        Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size (examples: 512kB, 16MB, 1GB)");
        }
        String u = m.group(2) == null ? "b" : m.group(2);
        long mul = switch (u.charAt(0)) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            case 't' -> 1L << 40;
            default -> 1L;
        };
        BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(mul));
        if (bytes.compareTo(BigDecimal.valueOf(MAX_SIZE)) > 0) {
            throw new IllegalArgumentException("'" + text + "' is too large (at most 1024TB)");
        }
        return bytes.setScale(0, RoundingMode.HALF_UP).longValueExact();
    }

    /** A byte count as people read it: 0 B, 712 B, 16.0 MB. */
    public static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        String[] u = {"kB", "MB", "GB", "TB"};
        double v = b;
        int i = -1;
        while (v >= 1024 && i < u.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, u[i]);
    }

    public static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + "ms";
        }
        if (ms % 1000 == 0 && ms < 120_000) {
            return ms / 1000 + "s";
        }
        if (ms < 120_000) {
            return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
        }
        return ms / 60_000 + "m" + (ms % 60_000 / 1000 > 0 ? ms % 60_000 / 1000 + "s" : "");
    }
}
