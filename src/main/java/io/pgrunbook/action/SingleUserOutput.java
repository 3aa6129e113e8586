package io.pgrunbook.action;

import io.pgrunbook.remote.ExecOptions;

import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Summarises the output of a single-user postgres (pg_rewind's crash recovery of the target, or ours before 15): its
 * banner, the LOG lines of a normal recovery and its "backend>" prompt alarm an operator at 3 a.m. for nothing. They
 * become one line ("crash recovery of db1 in single-user mode: redo done at X, N log lines") when the backend is done;
 * WARNING, ERROR, FATAL and PANIC lines still show as they come. The step keeps the tail of the whole output as ever.
 */
final class SingleUserOutput implements Consumer<ExecOptions.OutputLine> {
    private static final Pattern REDO_DONE = Pattern.compile("redo done at (\\S+)");
    private static final Pattern ALARM = Pattern.compile("\\b(WARNING|ERROR|FATAL|PANIC):");
    private static final Pattern PROMPT = Pattern.compile("^\\s*backend>\\s*$");

    private final Consumer<ExecOptions.OutputLine> down;
    private boolean inside;
    private int hidden;
    private String redoDone;
    private String host;

    private SingleUserOutput(Consumer<ExecOptions.OutputLine> down, boolean inside) {
        this.down = down;
        this.inside = inside;
    }

    /** For pg_rewind: the single-user part starts at its "executing ... to complete crash recovery" line. */
    static Consumer<ExecOptions.OutputLine> rewind(Consumer<ExecOptions.OutputLine> down) {
        return new SingleUserOutput(down, false);
    }

    /** For a command that is a single-user postgres from its first line; {@link #close} ends it. */
    static SingleUserOutput whole(Consumer<ExecOptions.OutputLine> down) {
        return new SingleUserOutput(down, true);
    }

    @Override
    public synchronized void accept(ExecOptions.OutputLine line) {
        String text = line.text();
        host = line.host();
        if (PROMPT.matcher(text).matches()) {
            // single-user mode's prompt, printed when its stdin ends: no question is asked
            hidden++;
            return;
        }
        if (!inside) {
            if (text.contains("to complete crash recovery")) {
                inside = true;
                hidden = 0;
                redoDone = null;
                return;
            }
            down.accept(line);
            return;
        }
        if (text.startsWith("pg_rewind:")) {
            close();
            down.accept(line);
            return;
        }
        Matcher m = REDO_DONE.matcher(text);
        if (m.find()) {
            redoDone = m.group(1);
        }
        if (ALARM.matcher(text).find()) {
            down.accept(line);
        } else {
            hidden++;
        }
    }

    /** Ends the single-user part: its one summary line. */
    synchronized void close() {
        if (!inside) {
            return;
        }
        inside = false;
        if (down != null && host != null) {
            down.accept(new ExecOptions.OutputLine(host, false, "crash recovery in single-user mode: "
                    + (redoDone != null ? "redo done at " + redoDone : "done") + " (" + hidden + " lines of its log not shown)"));
        }
    }
}
