package io.pgrunbook.runbook;

/**
 * Asks the operator. The JLine implementation reads a real terminal; tests use {@link ScriptedConfirmer}.
 * Implementations throw {@link Aborted} on Ctrl-C (or end of input).
 */
public interface Confirmer {
    /** The answers to "run this step?". */
    enum Answer { YES, NO, SKIP, DETAILS, ALL }

    /** Whether someone is there to answer; with no one, a run needs --yes. */
    boolean interactive();

    Answer ask(String prompt);

    /** A free-text answer, e.g. typing a host name to confirm a destructive step. */
    String readLine(String prompt);

    /** The operator pressed Ctrl-C or closed the input. */
    final class Aborted extends RuntimeException {
        public Aborted(String why) {
            super(why);
        }
    }

    /** No terminal: it can answer nothing. */
    Confirmer NONE = new Confirmer() {
        @Override
        public boolean interactive() {
            return false;
        }

        @Override
        public Answer ask(String prompt) {
            throw new Aborted("no terminal to ask: " + prompt);
        }

        @Override
        public String readLine(String prompt) {
            throw new Aborted("no terminal to ask: " + prompt);
        }
    };

    /** Parses y/n/s/d/a (or the words); null when it is none of them. */
    static Answer parse(String s) {
        if (s == null) {
            return null;
        }
        return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "y", "yes" -> Answer.YES;
            case "n", "no" -> Answer.NO;
            case "s", "skip" -> Answer.SKIP;
            case "d", "details" -> Answer.DETAILS;
            case "a", "all" -> Answer.ALL;
            default -> null;
        };
    }
}
