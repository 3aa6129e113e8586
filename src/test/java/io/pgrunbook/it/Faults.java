package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.LocalTransport;
import io.pgrunbook.remote.RemoteCommand;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Faults injected by hand into a lab, the way they happen: a postmaster killed, a server started by someone else. */
final class Faults {
    private Faults() {
    }

    /** kill -9 of the host's postmaster (the pid in postmaster.pid), as a crash or the OOM killer would. */
    static void killPostmaster(LabFixture lab, String host) throws Exception {
        Path pidFile = lab.dir().resolve(host).resolve("data").resolve("postmaster.pid");
        String pid = Files.readAllLines(pidFile).get(0).trim();
        assertEquals(0, new ProcessBuilder("kill", "-9", pid).start().waitFor(), "kill -9 " + pid);
        ProcessHandle.of(Long.parseLong(pid)).ifPresent(p -> p.onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join());
    }

    /**
     * pg_ctl start as the postgres OS user, again while the killed postmaster's backends still hold its shared memory
     * (they notice the postmaster's death within a moment and exit).
     */
    static void startPostgres(LabFixture lab, String host) throws Exception {
        Path data = lab.dir().resolve(host).resolve("data");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        ExecResult r;
        do {
            r = new LocalTransport(host).exec(RemoteCommand.of("/usr/lib/postgresql/15/bin/pg_ctl", "-D", data.toString(),
                    "-l", lab.dir().resolve(host).resolve("restart.log").toString(), "-w", "-t", "20", "start")
                    .as(LocalTransport.runningAsRoot() ? "postgres" : null), ExecOptions.timeout(Duration.ofSeconds(30)));
            if (r.ok()) {
                return;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("pg_ctl start on " + host + ": " + r.tail(10));
    }

    /** Databases paused on a host's PgBouncer, read from its console as the product reads it. */
    static List<String> paused(LabFixture lab, String host) {
        io.pgrunbook.inventory.Host h = new io.pgrunbook.inventory.InventoryLoader(java.util.Map.of()).load(lab.inventory())
                .cluster("lab").host(host).orElseThrow();
        return new io.pgrunbook.pgbouncer.PgBouncerAdmin(h, new LocalTransport(host)).databases().stream()
                .filter(io.pgrunbook.pgbouncer.PgBouncerAdmin.Database::paused).map(io.pgrunbook.pgbouncer.PgBouncerAdmin.Database::name).toList();
    }

    static int primaries(JsonNode status) {
        int n = 0;
        for (JsonNode h : status.get("hosts")) {
            if (!h.get("role").asText().equals("REPLICA") && h.get("state").asText().equals("primary")) {
                n++;
            }
        }
        return n;
    }

    static String state(JsonNode status, String host) {
        return LabState.host(status, host).get("state").asText();
    }

    /** Processes whose command line contains every one of {@code words} (from /proc, as ps would list them). */
    static List<Long> processes(String... words) throws Exception {
        List<Long> out = new java.util.ArrayList<>();
        try (var s = Files.list(Path.of("/proc"))) {
            for (Path p : s.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
                String cmd;
                try {
                    cmd = new String(Files.readAllBytes(p.resolve("cmdline"))).replace('\0', ' ');
                } catch (java.io.IOException e) {
                    continue;
                }
                boolean all = !cmd.isBlank();
                for (String w : words) {
                    all &= cmd.contains(w);
                }
                if (all) {
                    out.add(Long.parseLong(p.getFileName().toString()));
                }
            }
        }
        return out;
    }
}
