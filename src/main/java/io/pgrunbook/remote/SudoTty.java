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

    /** Whether sudo said it refused for want of a terminal. */
    public static boolean refusal(String stderr) {
        return stderr != null && stderr.contains(REFUSAL);
    }

    /** The sudoers line that lets {@code loginUser} run sudo without a terminal. */
    public static String fix(String loginUser) {
        return "'Defaults:" + loginUser + " !requiretty'";
    }

    /** Throws when {@code r}, run through sudo as {@code asUser}, was refused for want of a terminal. */
    static void check(String host, String loginUser, String asUser, ExecResult r) {
        if (r.ok() || !refusal(r.stderr())) {
            return;
        }
        throw new Refused(host, asUser, loginUser, "sudo refuses to run commands as " + asUser + " without a terminal"
                // no "pgrunbook " in the text: a refused run's next: line is taken from the last such command named
                + " (Defaults requiretty): add " + fix(loginUser) + " in /etc/sudoers.d on this host");
    }

    /** The refusal: a transport error of its own kind, so that doctor can tell it from a lost connection. */
    public static final class Refused extends TransportException {
        private final String asUser;
        private final String loginUser;

        Refused(String host, String asUser, String loginUser, String message) {
            super(host, message);
            this.asUser = asUser;
            this.loginUser = loginUser;
        }

        /** The user sudo would not run commands as. */
        public String asUser() {
            return asUser;
        }

        /** The user that logged in and ran sudo (for an OpenSSH host, the one ~/.ssh/config gave). */
        public String loginUser() {
            return loginUser;
        }
    }
}
