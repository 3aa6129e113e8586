package io.pgrunbook.pgbouncer;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Role;
import io.pgrunbook.remote.LocalTransport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The pruning of PgBouncer config backups, run by a real shell on real files. */
class RepointPruneTest {
    private static Host local() {
        return new Host("pgb", "127.0.0.1", Role.SLAVE, Host.TransportKind.LOCAL, null, null, null, null, null, null);
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void keeps_only_the_newest_backups_and_nothing_else_is_touched(@TempDir Path dir) throws Exception {
        Path ini = dir.resolve("pgbouncer ini"); // a space in the path must not split it
        Files.writeString(ini, "[databases]\n");
        for (String t : List.of("20260101T000000Z", "20260102T000000Z", "20251231T235959Z", "20260103T000000Z")) {
            Files.writeString(dir.resolve("pgbouncer ini.pgrunbook-" + t), t);
        }
        Files.writeString(dir.resolve("pgbouncer ini.pgrunbook-tmp"), "a write in progress");
        Files.writeString(dir.resolve("pgbouncer ini.orig"), "the site's own copy");

        Repoint.prune(local(), new LocalTransport("pgb"), ini.toString(), 2);

        assertEquals(List.of("pgbouncer ini", "pgbouncer ini.orig", "pgbouncer ini.pgrunbook-20260102T000000Z",
                "pgbouncer ini.pgrunbook-20260103T000000Z", "pgbouncer ini.pgrunbook-tmp"), names(dir));
    }

    @Test
    void fewer_backups_than_the_limit_are_all_kept(@TempDir Path dir) throws Exception {
        Path ini = dir.resolve("pgbouncer.ini");
        Files.writeString(ini, "[databases]\n");
        Files.writeString(dir.resolve("pgbouncer.ini.pgrunbook-20260101T000000Z"), "x");

        Repoint.prune(local(), new LocalTransport("pgb"), ini.toString(), 5);

        assertEquals(List.of("pgbouncer.ini", "pgbouncer.ini.pgrunbook-20260101T000000Z"), names(dir));
    }
}
