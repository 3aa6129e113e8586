package io.pgrunbook.remote;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * How to run a command: a timeout (null: none) and a listener that sees each output line as it comes
 * (for live progress and the journal); {@code stderr} lines are flagged.
 */
public record ExecOptions(Duration timeout, Consumer<OutputLine> listener) {
    public static final ExecOptions DEFAULT = new ExecOptions(Duration.ofMinutes(10), null);

    public static ExecOptions timeout(Duration d) {
        return new ExecOptions(d, null);
    }

    public ExecOptions withListener(Consumer<OutputLine> l) {
        return new ExecOptions(timeout, l);
    }

    /** One line of output from a host. */
    public record OutputLine(String host, boolean stderr, String text) {
    }
}
