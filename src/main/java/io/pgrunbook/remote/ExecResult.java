package io.pgrunbook.remote;

import java.time.Duration;

/**
 * What a command did. {@code exitCode} is null when the transport got no exit status: that is a failure.
 * {@code loginNoise}: what the host's login shell printed before the command started (stdout's, then stderr's lines;
 * see {@link LoginNoise}), kept out of stdout and stderr; "" when none.
 */
public record ExecResult(Integer exitCode, String stdout, String stderr, Duration duration, String loginNoise) {

    public ExecResult {
        loginNoise = loginNoise == null ? "" : loginNoise;
    }

    public ExecResult(Integer exitCode, String stdout, String stderr, Duration duration) {
        this(exitCode, stdout, stderr, duration, "");
    }

    public boolean ok() {
        return exitCode != null && exitCode == 0;
    }

    /** "exit N", or what it means that there is none: for messages, which never show an internal "null". */
    public String status() {
        return exitCode == null ? "no exit status (timed out or connection lost)" : "exit " + exitCode;
    }

    /** The last {@code lines} lines of stdout and stderr, for journals and error messages. */
    public String tail(int lines) {
        String all = (stdout == null ? "" : stdout) + (stderr == null || stderr.isEmpty() ? "" : stderr);
        String[] parts = all.strip().split("\n");
        int from = Math.max(0, parts.length - lines);
        return String.join("\n", java.util.Arrays.copyOfRange(parts, from, parts.length));
    }
}
