package io.pgrunbook.it;

import io.pgrunbook.remote.Shell;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code pgrunbook shell} on a real terminal (a tmux pane: a pty with a size, as an operator's) against a lab over SSH:
 * the second {@code status} answers at least 3x faster than the first (kept SSH connections, a warm JVM), host names
 * complete after {@code switchover --to} and {@code logs}, the prompt shows the verdict (and its change when a standby
 * dies between two commands), Ctrl-C stops a runbook run and the shell goes on, Ctrl-C at the prompt clears
 * the line, Ctrl-D leaves, and the history is private.
 */
class ShellIT {
    private static final Pattern PROBED = Pattern.compile("probed [0-9: -]+ in (\\d+) ms");

    @Test
    void a_second_status_is_3x_faster_hosts_complete_and_the_prompt_shows_the_verdict() throws Exception {
        LabFixture lab = LabFixture.start("shell", LabNets.SHELL.base(), true);
        Path state = Files.createTempDirectory("pgrunbook-shell-state");
        // a socket of our own in the test's directory: removed with it, apart from any tmux server of the machine
        String socket = state.resolve("tmux.sock").toString();
        try {
            String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            List<String> argv = List.of("env", "XDG_STATE_HOME=" + state, "TERM=xterm",
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1",
                    "-cp", cp, "io.pgrunbook.cli.Main", "-i", lab.info().sshInventory().toString(), "--no-color", "shell");
            tmux(socket, "new-session", "-d", "-x", "160", "-y", "50",
                    argv.stream().map(Shell::quote).collect(Collectors.joining(" ")));
            await(socket, "pgrunbook lab> ", 1, Duration.ofSeconds(60));

            long t0 = System.nanoTime();
            keys(socket, "status", "Enter");
            await(socket, "Verdict: HEALTHY", 1, Duration.ofSeconds(120));
            long first = (System.nanoTime() - t0) / 1_000_000;
            // the verdict comes from a probe after the command, in the background: it must reach the prompt
            await(socket, "pgrunbook lab HEALTHY> ", 1, Duration.ofSeconds(60));

            String pid = tmuxOut(socket, "display-message", "-p", "-t", "0", "#{pane_pid}").trim();
            java.util.Set<String> kept = sshConnections(pid);
            assertEquals(4, kept.size(), "one SSH connection per host, kept after the command: " + kept);

            long t1 = System.nanoTime();
            keys(socket, "status", "Enter");
            await(socket, "Verdict: HEALTHY", 2, Duration.ofSeconds(60));
            long second = (System.nanoTime() - t1) / 1_000_000;
            assertEquals(kept, sshConnections(pid), "the second status ran on the same SSH connections");
            List<String> probed = probedMillis(screen(socket));
            System.out.println("[shell] status in the shell: first " + first + " ms, second " + second
                    + " ms (as the tool measured its probes: " + probed + " ms)");
            assertTrue(second * 3 <= first, "first status " + first + " ms, second " + second + " ms: not 3x faster");

            keys(socket, "switchover --to db", "Tab");
            awaitMatch(socket, "db1\\s+db2\\s+db3\\s+db4", Duration.ofSeconds(20));
            keys(socket, "C-c");
            await(socket, "pgrunbook lab HEALTHY> ", 3, Duration.ofSeconds(20));
            keys(socket, "logs d", "Tab");
            awaitMatch(socket, "logs db\\s*\\n.*db1\\s+db2\\s+db3\\s+db4", Duration.ofSeconds(20));
            keys(socket, "1 -n 2", "Enter");
            await(socket, "==> db1:", 1, Duration.ofSeconds(60));

            // Ctrl-C during a run stops the run (its own stop: clean point, journal, exit 130) and not the shell
            Path slow = Path.of("src/test/resources/runbooks/slow.yaml").toAbsolutePath();
            String slowOut = "/tmp/pgrunbook-shell-it-" + ProcessHandle.current().pid() + ".out";
            keys(socket, "run " + slow + " --yes -p out=" + slowOut + " -p gate=/nonexistent-gate", "Enter");
            await(socket, "waiting", 1, Duration.ofSeconds(60));
            keys(socket, "C-c");
            await(socket, "stopping the run at a clean point", 1, Duration.ofSeconds(10));
            await(socket, "[exit 130]", 1, Duration.ofSeconds(40));
            awaitMatch(socket, "\\[exit 130\\]\\s*\\npgrunbook lab [A-Z_]+> $", Duration.ofSeconds(30));
            assertEquals(List.of("one"), Files.readAllLines(Path.of(slowOut)), "step 1 ran, step 3 did not");
            Files.deleteIfExists(Path.of(slowOut));

            // kept connections must not hide a change: a standby killed between two commands shows at once
            Faults.killPostmaster(lab, "db3");
            keys(socket, "status", "Enter");
            awaitMatch(socket, "Verdict: HEALTHY.*Verdict: HEALTHY.*Verdict: (?!HEALTHY)[A-Z_]+", Duration.ofSeconds(60));
            awaitMatch(socket, "pgrunbook lab (?!HEALTHY)[A-Z_]+> $", Duration.ofSeconds(60));

            keys(socket, "C-d");
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (tmuxQuiet(socket, "has-session") == 0) {
                assertTrue(System.nanoTime() < deadline, "the shell did not end on Ctrl-D:\n" + screen(socket));
                Thread.sleep(100);
            }
            Path history = state.resolve("pgrunbook").resolve("shell_history");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(history)));
            String h = Files.readString(history);
            assertTrue(h.contains("status") && h.contains("logs db1"), h);

            // without a terminal: one command a line from stdin, the same output, no prompt, the last command's status
            Path script = state.resolve("commands.txt");
            Files.writeString(script, "status\n\nlogs db1 -n 1\nstatus -o json\n");
            List<String> plain = new ArrayList<>(argv.subList(3, argv.size()));
            ProcessBuilder pb = new ProcessBuilder(plain).redirectErrorStream(true).redirectInput(script.toFile());
            pb.environment().put("XDG_STATE_HOME", state.toString());
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(1, p.waitFor(), out);
            assertTrue(out.contains("Verdict: DEGRADED") && out.contains("==> db1:") && out.contains("\"verdict\" : \"DEGRADED\""), out);
            assertTrue(!out.contains("pgrunbook lab"), "no prompt without a terminal:\n" + out);
        } finally {
            tmuxQuiet(socket, "kill-server");
            lab.stop();
            try (java.util.stream.Stream<Path> files = Files.walk(state)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** The shell's established SSH connections (local end) to the lab's sshd, as the kernel lists them. */
    private static java.util.Set<String> sshConnections(String pid) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ss", "-tnpH", "state", "established", "( dport = :2222 )").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        java.util.Set<String> local = new java.util.TreeSet<>();
        for (String line : out.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (line.contains("pid=" + pid + ",") && f.length >= 4) {
                local.add(f[2] + "->" + f[3]);
            }
        }
        return local;
    }

    private static String tmuxOut(String socket, String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("tmux", "-S", socket));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    private static List<String> probedMillis(String screen) {
        List<String> out = new ArrayList<>();
        Matcher m = PROBED.matcher(screen);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static void keys(String socket, String... keys) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("send-keys", "-t", "0"));
        args.addAll(List.of(keys));
        tmux(socket, args.toArray(String[]::new));
    }

    private static String screen(String socket) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("tmux", "-S", socket, "capture-pane", "-p", "-J", "-S", "-5000", "-t", "0")
                .redirectErrorStream(true).start();
        String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return s;
    }

    private static void await(String socket, String text, int times, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            String s = screen(socket);
            int n = 0;
            for (int i = s.indexOf(text); i >= 0; i = s.indexOf(text, i + text.length())) {
                n++;
            }
            if (n >= times) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("'" + text + "' not seen " + times + " time(s) within " + limit.toSeconds() + " s:\n" + s);
            }
            Thread.sleep(20);
        }
    }

    private static void awaitMatch(String socket, String regex, Duration limit) throws Exception {
        Pattern p = Pattern.compile(regex, Pattern.DOTALL | Pattern.MULTILINE);
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            String s = screen(socket);
            if (p.matcher(s).find()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("/" + regex + "/ not seen within " + limit.toSeconds() + " s:\n" + s);
            }
            Thread.sleep(50);
        }
    }

    private static void tmux(String socket, String... args) throws IOException, InterruptedException {
        int rc = tmuxQuiet(socket, args);
        assertEquals(0, rc, "tmux " + String.join(" ", args));
    }

    private static int tmuxQuiet(String socket, String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("tmux", "-S", socket));
        argv.addAll(List.of(args));
        return new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    }
}
