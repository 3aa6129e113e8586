package io.pgrunbook.it;

import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.LocalTransport;
import io.pgrunbook.remote.RemoteCommand;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Breaking and inspecting a lab by hand, as a DBA would: pg_ctl as the postgres OS user, SQL, file checksums. */
final class LabOps {
    private final LabFixture lab;

    LabOps(LabFixture lab) {
        this.lab = lab;
    }

    Path data(String host) {
        return lab.dir().resolve(host).resolve("data");
    }

    ExecResult pgctl(String host, String... args) {
        List<String> argv = new ArrayList<>(List.of("/usr/lib/postgresql/15/bin/pg_ctl", "-D", data(host).toString()));
        argv.addAll(List.of(args));
        ExecResult r = new LocalTransport(host).exec(RemoteCommand.of(argv).as(LocalTransport.runningAsRoot() ? "postgres" : null),
                ExecOptions.timeout(Duration.ofSeconds(60)));
        assertTrue(r.ok(), () -> "pg_ctl " + String.join(" ", args) + " on " + host + ": " + r.tail(10));
        return r;
    }

    void stop(String host, String mode) {
        pgctl(host, "-m", mode, "-w", "stop");
    }

    void exec(String host, String db, String... sql) throws Exception {
        try (Connection c = lab.connect(host, db); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    String one(String host, String db, String sql) throws Exception {
        try (Connection c = lab.connect(host, db); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    void promote(String host) throws Exception {
        exec(host, "postgres", "SELECT pg_promote(true, 60)");
        await(host + " out of recovery", Duration.ofSeconds(60), () -> {
            try {
                return "f".equals(one(host, "postgres", "SELECT pg_is_in_recovery()"));
            } catch (Exception e) {
                return false;
            }
        });
    }

    static void await(String what, Duration limit, BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + limit.toSeconds() + "s waiting for " + what);
            }
            Thread.sleep(200);
        }
    }

    /** A row written on {@code primary} in app.items shows up on {@code standby}. */
    void rowArrives(String primary, String standby, String note) throws Exception {
        exec(primary, "app", "INSERT INTO items(note) VALUES ('" + note + "')");
        await("row '" + note + "' from " + primary + " on " + standby, Duration.ofSeconds(60), () -> {
            try {
                return "1".equals(one(standby, "app", "SELECT count(*) FROM items WHERE note = '" + note + "'"));
            } catch (Exception e) {
                return false;
            }
        });
    }

    /** sha256 of the host's own configuration files in its data directory. */
    Map<String, String> configSums(String host) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        for (String f : List.of("postgresql.conf", "pg_hba.conf", "pg_ident.conf", "pgrunbook-lab.conf")) {
            Path p = data(host).resolve(f);
            out.put(f, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
        }
        return out;
    }

    /** Every entry of a data directory with its modification time: proof that nothing was touched. */
    String listing(String host) throws Exception {
        StringBuilder b = new StringBuilder();
        Path d = data(host);
        b.append(Files.getLastModifiedTime(d)).append('\n');
        try (Stream<Path> s = Files.list(d)) {
            for (Path p : s.sorted().toList()) {
                b.append(p.getFileName()).append(' ').append(Files.getLastModifiedTime(p)).append('\n');
            }
        }
        try (Stream<Path> s = Files.list(d.getParent())) {
            b.append("siblings: ").append(s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        return b.toString();
    }

    /** The standby's walreceiver: status, sender host, timeline. */
    String receiver(String host) throws Exception {
        return one(host, "postgres", "SELECT status || ' ' || sender_host || ' ' || received_tli FROM pg_stat_wal_receiver");
    }
}
