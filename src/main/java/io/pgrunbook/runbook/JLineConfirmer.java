package io.pgrunbook.runbook;

import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

import java.io.IOException;

/** Asks on the real terminal with JLine; Ctrl-C at a prompt aborts the run cleanly. */
public final class JLineConfirmer implements Confirmer, AutoCloseable {
    /**
     * The terminal of {@code pgrunbook shell}, for the runs started from it: JLine allows one system terminal per JVM,
     * and the shell's must stay open after the run. Scoped to the shell's command thread, as {@link InterruptRoute}.
     */
    private static final InheritableThreadLocal<Terminal> SHARED = new InheritableThreadLocal<>();

    private final Terminal terminal;
    private final LineReader reader;
    private final boolean owned;

    /** Confirmers opened on this thread ask on {@code terminal} (and leave it open); null: their own. */
    public static void share(Terminal terminal) {
        if (terminal == null) {
            SHARED.remove();
        } else {
            SHARED.set(terminal);
        }
    }

    private JLineConfirmer(Terminal terminal) {
        this(terminal, true);
    }

    private JLineConfirmer(Terminal terminal, boolean owned) {
        this.owned = owned;
        if (terminal.getWidth() <= 0) {
            // a pseudo-terminal nobody gave a size (script(1), some remote shells): JLine would squeeze the question
            // into no columns and show only ">....", so the operator would not see what is asked
            terminal.setSize(new Size(80, Math.max(terminal.getHeight(), 24)));
        }
        this.terminal = terminal;
        this.reader = LineReaderBuilder.builder().terminal(terminal).build();
    }

    /** A confirmer on the system terminal, or {@link Confirmer#NONE} when there is none. */
    public static Confirmer open(boolean interactive) {
        if (!interactive) {
            return NONE;
        }
        Terminal shared = SHARED.get();
        if (shared != null) {
            return new JLineConfirmer(shared, false);
        }
        try {
            Terminal t = TerminalBuilder.builder().system(true).dumb(false).build();
            if ("dumb".equals(t.getType())) {
                t.close();
                return NONE;
            }
            return new JLineConfirmer(t);
        } catch (IOException | IllegalStateException e) {
            return NONE;
        }
    }

    @Override
    public boolean interactive() {
        return true;
    }

    @Override
    public Answer ask(String prompt) {
        while (true) {
            Answer a = Confirmer.parse(readLine(prompt));
            if (a != null) {
                return a;
            }
            terminal.writer().println("  answer y, n, s, d or a");
        }
    }

    @Override
    public String readLine(String prompt) {
        try {
            return reader.readLine(prompt);
        } catch (UserInterruptException e) {
            throw new Aborted("interrupted (Ctrl-C) at the prompt");
        } catch (EndOfFileException e) {
            throw new Aborted("end of input at the prompt");
        }
    }

    @Override
    public void close() {
        if (!owned) {
            return;
        }
        try {
            terminal.close();
        } catch (IOException ignored) {
            // the run's outcome is already decided
        }
    }
}
