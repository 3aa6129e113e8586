package io.pgrunbook.pg;

/** PostgreSQL LSNs ("16/B374D848") as numbers, for lag arithmetic. */
public final class Lsn {
    private Lsn() {
    }

    public static long parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("not an LSN: " + text);
        }
        return (Long.parseUnsignedLong(text.substring(0, slash), 16) << 32) | Long.parseUnsignedLong(text.substring(slash + 1), 16);
    }

    public static String format(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
    }

    /** {@code a - b} in bytes, or null when either is unknown; never negative (a standby may be ahead of a stale read). */
    public static Long diff(String a, String b) {
        if (a == null || b == null) {
            return null;
        }
        return Math.max(0, parse(a) - parse(b));
    }
}
