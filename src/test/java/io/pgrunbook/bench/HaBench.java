package io.pgrunbook.bench;

import io.pgrunbook.it.LabFixture;
import io.pgrunbook.it.LabNets;
import io.pgrunbook.it.Writer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Benchmark by hand (not part of the test suite; bench/ha.sh runs it): switchover and failover with the real launcher
 * (bin/pgrunbook, JVM start included) on a lab, under a writer that commits through PgBouncer.
 * <ul>
 * <li>switchover: the writer's longest time without an acknowledged commit, and the command's wall time;</li>
 * <li>failover after kill -9 of the MASTER's postmaster: from the command's start to the first write accepted by the
 * new primary (a client retrying on it directly), and to the first write through PgBouncer.</li>
 * </ul>
 */
class HaBench {
    private static final int RUNS = Integer.getInteger("bench.runs", 5);
    private static final Path LAUNCHER = Path.of("bin/pgrunbook").toAbsolutePath();

    record Run(double seconds, int exit, String output, Path state, java.time.Instant launched, java.time.Instant ended) {
    }

    /** Per phase of the procedure (from the journal's times and the launch), the seconds of every run. */
    static final class Breakdown {
        final Map<String, List<Double>> phases = new java.util.LinkedHashMap<>();

        void add(Run r) throws java.io.IOException {
            Path runs = r.state().resolve("pgrunbook/runs");
            Path journal;
            try (var files = Files.list(runs)) {
                journal = files.filter(f -> f.toString().endsWith(".jsonl")).findFirst().orElse(null);
            }
            if (journal == null) {
                return;
            }
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            java.time.Instant start = null;
            java.time.Instant end = null;
            java.time.Instant first = null;
            Map<Integer, java.time.Instant> began = new java.util.HashMap<>();
            for (String line : Files.readAllLines(journal)) {
                var e = json.readTree(line);
                java.time.Instant t = java.time.Instant.parse(e.path("time").asText());
                switch (e.path("event").asText()) {
                    case "start" -> start = t;
                    case "end" -> end = t;
                    case "step_start" -> {
                        began.put(e.path("number").asInt(), t);
                        if (first == null) {
                            first = t;
                        }
                    }
                    case "step_result" -> {
                        java.time.Instant b = began.get(e.path("number").asInt());
                        if (b != null) {
                            put(String.format(Locale.ROOT, "step %2d %s", e.path("number").asInt(), e.path("name").asText()), b, t);
                        }
                    }
                    default -> {
                    }
                }
            }
            put("launch to journal start (JVM, inventory, probe, plan, lock)", r.launched(), start);
            put("preflight (journal start to step 1)", start, first);
            put("journal end to exit (final status)", end, r.ended());
        }

        private void put(String phase, java.time.Instant from, java.time.Instant to) {
            if (from != null && to != null) {
                phases.computeIfAbsent(phase, k -> new ArrayList<>()).add(java.time.Duration.between(from, to).toNanos() / 1e9);
            }
        }

        void print(String title) {
            System.out.println(title + " breakdown, median per phase:");
            phases.entrySet().stream().sorted(Map.Entry.comparingByKey(HaBench::phaseOrder)).forEach(e -> {
                List<Double> s = new ArrayList<>(e.getValue());
                Collections.sort(s);
                String name = e.getKey().length() > 90 ? e.getKey().substring(0, 90) : e.getKey();
                System.out.printf(Locale.ROOT, "%s breakdown: %.3f s  %s%n", title, s.get(s.size() / 2), name);
            });
        }
    }

    /** Launch first, then the steps by number, then the end. */
    static int phaseOrder(String a, String b) {
        return Integer.compare(rank(a), rank(b)) != 0 ? Integer.compare(rank(a), rank(b)) : a.compareTo(b);
    }

    private static int rank(String p) {
        return p.startsWith("launch") ? 0 : p.startsWith("preflight") ? 1 : p.startsWith("step") ? 2 : 3;
    }

    static Run launch(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(LAUNCHER.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Path state = Files.createTempDirectory("bench-state");
        pb.environment().put("XDG_STATE_HOME", state.toString());
        java.time.Instant launched = java.time.Instant.now();
        long t0 = System.nanoTime();
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        int code = p.waitFor();
        return new Run((System.nanoTime() - t0) / 1e9, code, out, state, launched, java.time.Instant.now());
    }

    static String stats(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        double median = s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
        return String.format(Locale.ROOT, "median %.3f s, range %.3f .. %.3f s (n=%d)", median, s.get(0), s.get(s.size() - 1), s.size());
    }

    @Test
    void switchover_and_failover() throws Exception {
        // warm the launcher's class-data archive, as on an operator's machine
        launch("--version");
        List<Double> window = new ArrayList<>();
        List<Double> total = new ArrayList<>();
        Breakdown switchovers = new Breakdown();
        Breakdown failovers = new Breakdown();
        LabFixture lab = LabFixture.start("ha-bench", LabNets.HA_BENCH.base());
        try {
            String inv = lab.inventory().toString();
            String[] targets = {"db2", "db1"};
            for (int i = 0; i < RUNS * 2; i++) {
                String to = targets[i % 2];
                String via = targets[(i + 1) % 2];
                try (Writer w = new Writer(lab.address(via), 6432, "app", "b" + i + "-")) {
                    w.awaitProgress(100, 10_000);
                    w.resetGap();
                    Run r = launch("-i", inv, "switchover", "--to", to, "--yes");
                    w.awaitProgress(100, 10_000);
                    if (r.exit() != 0) {
                        throw new AssertionError("switchover failed:\n" + r.output());
                    }
                    switchovers.add(r);
                    window.add(w.longestGapSeconds());
                    total.add(r.seconds());
                    System.out.printf(Locale.ROOT, "switchover to %s: %.3f s, write window %.3f s, client errors %d%n", to,
                            r.seconds(), w.longestGapSeconds(), w.errors());
                }
            }
        } finally {
            lab.stop();
        }
        List<Double> firstWrite = new ArrayList<>();
        List<Double> firstPooled = new ArrayList<>();
        List<Double> failTotal = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            LabFixture f = LabFixture.start("fo-bench", LabNets.FAILOVER_BENCH.base());
            try {
                String pid = Files.readAllLines(f.dir().resolve("db1/data/postmaster.pid")).get(0).trim();
                new ProcessBuilder("kill", "-9", pid).start().waitFor();
                Thread.sleep(200);
                long[] firstDirect = {0};
                Thread direct = new Thread(() -> firstDirect[0] = firstWrite(f.address("db2"), 5432));
                long[] firstViaPgb = {0};
                Thread pooled = new Thread(() -> firstViaPgb[0] = firstWrite(f.address("db2"), 6432));
                long t0 = System.nanoTime();
                direct.start();
                pooled.start();
                Run r = launch("-i", f.inventory().toString(), "failover", "--to", "db2", "--yes");
                direct.join(30_000);
                pooled.join(30_000);
                if (r.exit() != 0) {
                    throw new AssertionError("failover failed:\n" + r.output());
                }
                failovers.add(r);
                firstWrite.add((firstDirect[0] - t0) / 1e9);
                firstPooled.add((firstViaPgb[0] - t0) / 1e9);
                failTotal.add(r.seconds());
                System.out.printf(Locale.ROOT, "failover: %.3f s, first write on db2 after %.3f s, through PgBouncer after %.3f s%n",
                        r.seconds(), (firstDirect[0] - t0) / 1e9, (firstViaPgb[0] - t0) / 1e9);
            } finally {
                f.stop();
            }
        }
        System.out.println("switchover write window: " + stats(window));
        System.out.println("switchover total (--yes, JVM start included): " + stats(total));
        System.out.println("failover start to first accepted write: " + stats(firstWrite));
        System.out.println("failover start to first write through PgBouncer: " + stats(firstPooled));
        System.out.println("failover total: " + stats(failTotal));
        switchovers.print("switchover");
        failovers.print("failover");
    }

    /** Retries a one-row write every 5 ms until it commits; returns the System.nanoTime of the first commit. */
    static long firstWrite(String address, int port) {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("connectTimeout", "1");
        p.setProperty("socketTimeout", "5");
        p.setProperty("prepareThreshold", "0");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + address + ":" + port + "/app", p);
                 Statement st = c.createStatement()) {
                while (System.nanoTime() < deadline) {
                    try {
                        st.execute("INSERT INTO items(note) VALUES ('first-write')");
                        return System.nanoTime();
                    } catch (SQLException e) {
                        if (e.getSQLState() != null && e.getSQLState().startsWith("08")) {
                            break;
                        }
                        Thread.sleep(5);
                    }
                }
            } catch (SQLException e) {
                // not up yet: try again
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 0;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                return 0;
            }
        }
        return 0;
    }
}
