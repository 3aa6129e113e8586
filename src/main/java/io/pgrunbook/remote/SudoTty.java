package io.pgrunbook.remote;

/**
 * sudo under {@code Defaults requiretty} refuses every command that has no terminal, and no command of pgrunbook's has
 * one: a step would fail with sudo's one word of reason among its output, and the next one the same. It fails at once
 * instead, with the line of sudoers that mends it.
 */
public final class SudoTty {
    static final String REFUSAL = "you must have a tty to run sudo";

    private SudoTty() {
    }

    /** Throws when {@code r}, run through sudo as {@code asUser}, was refused for want of a terminal. */
    static void check(String host, String loginUser, String asUser, ExecResult r) {
        if (r.ok() || r.stderr() == null || !r.stderr().contains(REFUSAL)) {
            return;
        }
        throw new Refused(host, "sudo refuses to run commands as " + asUser + " without a terminal"
                // no "pgrunbook " in the text: a refused run's next: line is taken from the last such command named
                + " (Defaults requiretty): add 'Defaults:" + loginUser + " !requiretty' in /etc/sudoers.d on this host");
    }

    /** The refusal: a transport error of its own kind, so that doctor can tell it from a lost connection. */
    public static final class Refused extends TransportException {
        Refused(String host, String message) {
            super(host, message);
        }
    }
}
