package io.pgrunbook.remote;

import java.time.Duration;

/** What the SSH classes share: best-effort closing and durations as an operator reads them. */
final class SshSupport {
    private SshSupport() {
    }

    static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception ignored) {
            // closing is best effort
        }
    }
}
