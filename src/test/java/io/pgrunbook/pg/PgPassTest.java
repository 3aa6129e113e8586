package io.pgrunbook.pg;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class PgPassTest {
    @TempDir
    Path dir;

    private Path file(String text, String perms) throws Exception {
        Path f = dir.resolve("pgpass");
        Files.writeString(f, text);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(perms));
        return f;
    }

    @Test
    void first_matching_line_wins_with_wildcards_and_escapes() throws Exception {
        Path f = file("# comment\n10.0.0.9:5432:*:postgres:other\n10.0.0.1:5432:*:postgres:s3cr\\:et\n*:*:*:*:fallback\n", "rw-------");
        Map<String, String> env = Map.of("PGPASSFILE", f.toString());
        assertEquals("s3cr:et", PgPass.lookup(env, "10.0.0.1", 5432, "postgres", "postgres"));
        assertEquals("fallback", PgPass.lookup(env, "10.0.0.2", 5432, "app", "app"));
    }

    @Test
    void pgpassword_comes_first() throws Exception {
        Path f = file("*:*:*:*:fromfile\n", "rw-------");
        assertEquals("fromenv", PgPass.lookup(Map.of("PGPASSFILE", f.toString(), "PGPASSWORD", "fromenv"), "h", 1, "d", "u"));
    }

    @Test
    void a_file_others_can_read_is_ignored_like_libpq_does() throws Exception {
        Path f = file("*:*:*:*:leaked\n", "rw-r--r--");
        assertNull(PgPass.lookup(Map.of("PGPASSFILE", f.toString()), "h", 1, "d", "u"));
    }

    @Test
    void home_pgpass_is_the_default() throws Exception {
        Path f = dir.resolve(".pgpass");
        Files.writeString(f, "h:1:d:u:home\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        assertEquals("home", PgPass.lookup(Map.of("HOME", dir.toString()), "h", 1, "d", "u"));
    }
}
