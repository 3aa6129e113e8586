package io.pgrunbook.it;

import io.pgrunbook.remote.Shell;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A command on a real pseudo-terminal, driven like an operator at the keyboard: util-linux {@code script} gives the
 * command a pty (its stdin, stdout and stderr) and passes what is written here to it as keystrokes.
 */
final class Pty implements AutoCloseable {
    private final Process process;
    private final OutputStream keys;
    private final StringBuffer screen = new StringBuffer();

    private Pty(Process process) {
        this.process = process;
        this.keys = process.getOutputStream();
        Thread reader = new Thread(() -> {
            byte[] buf = new byte[8192];
            try (InputStream in = process.getInputStream()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    screen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "pty-reader");
        reader.setDaemon(true);
        reader.start();
    }

    static Pty start(Map<String, String> env, List<String> argv) throws IOException {
        String command = argv.stream().map(Shell::quote).collect(Collectors.joining(" "));
        ProcessBuilder pb = new ProcessBuilder("script", "-q", "-e", "-c", command, "/dev/null").redirectErrorStream(true);
        pb.environment().putAll(env);
        pb.environment().put("TERM", "xterm");
        return new Pty(pb.start());
    }

    /** Waits until {@code text} has appeared {@code times} times on the screen. */
    Pty await(String text, int times, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (count(text) < times) {
            if (System.nanoTime() > deadline || !process.isAlive() && count(text) < times) {
                throw new AssertionError("'" + text + "' not seen " + times + " time(s) within " + limit.toSeconds()
                        + "s; the screen:\n" + screen);
            }
            Thread.sleep(50);
        }
        return this;
    }

    private int count(String text) {
        String s = screen.toString();
        int n = 0;
        for (int i = s.indexOf(text); i >= 0; i = s.indexOf(text, i + text.length())) {
            n++;
        }
        return n;
    }

    /** Types keys (Enter is "\r", Ctrl-C is "\u0003"). */
    Pty type(String k) throws IOException {
        keys.write(k.getBytes(StandardCharsets.UTF_8));
        keys.flush();
        return this;
    }

    int exitCode(Duration limit) throws InterruptedException {
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("still running after " + limit.toSeconds() + "s; the screen:\n" + screen);
        }
        return process.exitValue();
    }

    String screen() {
        return screen.toString();
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
