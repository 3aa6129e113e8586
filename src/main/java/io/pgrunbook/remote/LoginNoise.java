package io.pgrunbook.remote;

import java.util.ArrayList;
import java.util.List;

/**
 * What a host's login environment prints before a command runs: sshd runs every command through the login user's
 * shell, and a ~/.bashrc or /etc/bash.bashrc that echoes a banner before its "not interactive: return" guard (Debian's
 * bash reads them for commands from sshd), an stty without a tty, or a locale warning puts its lines ahead of the
 * command's own. Parsers of psql, pg_controldata or date output would read them as data. So each remote command first
 * prints {@link #MARK} on stdout and on stderr, from a plain {@code sh} (whatever the login shell is), and what comes
 * before the mark on either stream is kept apart: never parsed, never shown as the command's output, only counted for
 * doctor.
 */
public final class LoginNoise {
    /** A line no login script prints by chance. */
    static final String MARK = "pgrunbook-begin-4f1c9a";
    /** Prints the mark on both streams (the start of a script). */
    static final String BEGIN_MARKS = "echo " + MARK + "; echo " + MARK + " >&2; ";
    /** Prints the mark on both streams and becomes the command: one sh, no process left in between. */
    static final String BEGIN = BEGIN_MARKS + "exec \"$@\"";

    private LoginNoise() {
    }

    /** {@code argv} run under {@link #BEGIN}: for the login shell, a plain {@code sh} with quoted words. */
    static List<String> wrap(List<String> argv) {
        List<String> all = new ArrayList<>(argv.size() + 4);
        all.addAll(List.of("sh", "-c", BEGIN, "pgrunbook"));
        all.addAll(argv);
        return all;
    }

    /**
     * One output stream's lines, split at the mark: what came before it is noise, what follows is the command's. A
     * stream that ends without the mark (the login shell failed before running anything) is all the command's: an
     * error from the login must reach the operator.
     */
    static final class Splitter {
        private final StringBuilder before = new StringBuilder();
        private final List<String> held = new ArrayList<>();
        private boolean begun;

        /**
         * Takes one line; returns the lines that now belong to the command (none while the mark is awaited, this
         * one after it).
         */
        synchronized List<String> accept(String line) {
            if (begun) {
                return List.of(line);
            }
            // a banner printed without its new line ends on the mark's line
            if (line.endsWith(MARK)) {
                begun = true;
                for (String h : held) {
                    before.append(h).append('\n');
                }
                held.clear();
                if (line.length() > MARK.length()) {
                    before.append(line, 0, line.length() - MARK.length()).append('\n');
                }
                return List.of();
            }
            held.add(line);
            return List.of();
        }

        /** At the end of the stream: the lines still held when no mark came, which are the command's after all. */
        synchronized List<String> finish() {
            List<String> rest = List.copyOf(held);
            held.clear();
            return rest;
        }

        /** What the login printed before the mark on this stream ("" when nothing, or no mark came). */
        synchronized String noise() {
            return before.toString();
        }
    }
}
