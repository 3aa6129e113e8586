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

    /**
     * Appends a command's lines to what the result will hold and hands each to the caller's listener; a broken
     * listener must not stop the capture the result depends on.
     */
    static void deliver(String host, java.util.List<String> lines, StringBuilder sink, boolean stderr,
                        java.util.function.Consumer<ExecOptions.OutputLine> listener) {
        for (String text : lines) {
            synchronized (sink) {
                sink.append(text).append('\n');
            }
            if (listener != null) {
                try {
                    listener.accept(new ExecOptions.OutputLine(host, stderr, text));
                } catch (RuntimeException e) {
                    org.slf4j.LoggerFactory.getLogger("io.pgrunbook.remote")
                            .debug("{}: output listener failed: {}", host, e.toString());
                }
            }
        }
    }
}
