package io.pgrunbook.bench;

import io.pgrunbook.it.CliRunner;
import io.pgrunbook.it.LabFixture;
import io.pgrunbook.it.LabNets;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.LocalTransport;
import io.pgrunbook.remote.RemoteCommand;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Not a test: a benchmark run by hand on a lab (bench/rebuild.sh). Compares `pgrunbook rebuild` (basebackup and
 * rsync) with a plain pg_basebackup of the same data, and `pgrunbook failback` with a rebuild of the same node.
 * Figures go to stderr and BENCHMARKS.md. Rows: -Dbench.rows (default 2,000,000, about 500 MB).
 */
class RebuildBench {
    static final String PG = "/usr/lib/postgresql/15/bin/";
    static final int RUNS = Integer.getInteger("bench.runs", 3);

    static ExecResult asPostgres(String... argv) {
        ExecResult r = new LocalTransport("bench").exec(RemoteCommand.of(argv).as(LocalTransport.runningAsRoot() ? "postgres" : null),
                ExecOptions.timeout(Duration.ofMinutes(30)));
        if (!r.ok()) {
            throw new AssertionError(String.join(" ", argv) + ": " + r.tail(10));
        }
        return r;
    }

    static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }

    static double timed(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    @Test
    void rebuild_and_failback_timings() throws Exception {
        LabFixture lab = LabFixture.start("bench", LabNets.REBUILD_BENCH.base());
        try {
            String inv = lab.inventory().toString();
            long rows = Long.getLong("bench.rows", 2_000_000L);
            try (Connection c = lab.connect("db1", "app"); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE big AS SELECT g AS id, repeat(md5(g::text), 6) AS pad FROM generate_series(1, " + rows + ") g");
                st.execute("CHECKPOINT");
            }
            String size;
            try (Connection c = lab.connect("db1", "postgres"); Statement st = c.createStatement();
                 var rs = st.executeQuery("SELECT pg_size_pretty(sum(pg_database_size(oid))) FROM pg_database")) {
                rs.next();
                size = rs.getString(1);
            }
            String scratch = lab.dir().resolve("db3").resolve("plain").toString();
            List<Double> plain = new ArrayList<>();
            List<Double> bb = new ArrayList<>();
            List<Double> rsync = new ArrayList<>();
            for (int i = 0; i < RUNS; i++) {
                plain.add(timed(() -> asPostgres(PG + "pg_basebackup", "-X", "stream", "-c", "fast", "-D", scratch, "-d",
                        "host=" + lab.address("db1") + " port=5432 user=replicator")));
                asPostgres("rm", "-rf", scratch);
                bb.add(timed(() -> CliRunner.run("-i", inv, "rebuild", "db3", "--discard-old", "--yes", "--confirm-host", "db3").expect(0)));
                rsync.add(timed(() -> CliRunner.run("-i", inv, "rebuild", "db3", "--method", "rsync", "--yes", "--confirm-host", "db3").expect(0)));
            }
            // failback after a failover with split-brain writes, against a rebuild of the same node
            try (Connection c = lab.connect("db2", "postgres"); Statement st = c.createStatement()) {
                st.execute("SELECT pg_promote(true, 60)");
            }
            try (Connection c = lab.connect("db1", "app"); Statement st = c.createStatement()) {
                st.execute("INSERT INTO items(note) SELECT 'split ' || g FROM generate_series(1, 10000) g");
            }
            asPostgres(PG + "pg_ctl", "-D", lab.dir().resolve("db1").resolve("data").toString(), "-m", "fast", "-w", "stop");
            double failback = timed(() -> CliRunner.run("-i", inv, "failback", "db1", "--yes", "--confirm-host", "db1").expect(0));
            double rebuildDb1 = timed(() -> CliRunner.run("-i", inv, "rebuild", "db1", "--from", "db2", "--discard-old", "--yes", "--confirm-host", "db1").expect(0));
            double p = median(plain);
            String report = String.format(java.util.Locale.ROOT, """
                    databases: %s, %d runs (median)
                    plain pg_basebackup (copy only):          %.2f s   %s
                    pgrunbook rebuild --method basebackup:    %.2f s   %s  (overhead %+.1f%%: stop, checks, config copy, start, streaming verified)
                    pgrunbook rebuild --method rsync (re-run): %.2f s   %s
                    pgrunbook failback db1 (pg_rewind):       %.2f s
                    pgrunbook rebuild db1 --from db2:         %.2f s
                    """, size, RUNS, p, plain, median(bb), bb, (median(bb) - p) / p * 100, median(rsync), rsync, failback, rebuildDb1);
            System.err.println(report);
        } finally {
            lab.stop();
        }
    }
}
