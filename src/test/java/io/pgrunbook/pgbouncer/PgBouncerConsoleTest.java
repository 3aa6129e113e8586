package io.pgrunbook.pgbouncer;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.InventoryLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class PgBouncerConsoleTest {
    @TempDir
    Path dir;

    private Host host() {
        String yaml = """
                version: 1
                defaults:
                  transport: ssh
                  ssh: {user: postgres, port: 2222}
                  postgres: {port: 5432, user: postgres, database: postgres, connect: direct}
                  pgbouncer: {port: 6432, admin_user: pgb_admin, databases: [app]}
                clusters:
                  c:
                    hosts:
                      db1: {address: 10.1.2.3, role: MASTER, pgbouncer: {config_file: /etc/pgbouncer/pgbouncer.ini}}
                      db2: {address: 10.1.2.4, role: SLAVE}
                """;
        return new InventoryLoader(Map.of("HOME", dir.toString())).parse(dir.resolve("inventory.yaml"), yaml)
                .cluster("c").host("db1").orElseThrow();
    }

    private Map<String, String> pgpass(String text) throws Exception {
        Path f = dir.resolve("pgpass");
        Files.writeString(f, text);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return Map.of("PGPASSFILE", f.toString(), "HOME", dir.toString());
    }

    @Test
    void the_admin_users_password_is_the_console_line_of_the_password_file_not_the_servers() throws Exception {
        Properties p = PgBouncerConsole.properties(host(), Duration.ofSeconds(3), Duration.ofSeconds(10), pgpass("""
                10.1.2.3:5432:*:pgb_admin:server-secret
                10.1.2.3:6432:app:pgb_admin:pooled-secret
                10.1.2.3:6432:pgbouncer:pgb_admin:console-secret
                """));
        assertEquals("console-secret", p.getProperty("password"));
        assertEquals("pgb_admin", p.getProperty("user"));
        assertEquals("3", p.getProperty("connectTimeout"));
        assertEquals("10", p.getProperty("socketTimeout"));
    }

    @Test
    void without_a_matching_line_no_password_is_sent() throws Exception {
        Properties p = PgBouncerConsole.properties(host(), Duration.ofSeconds(3), Duration.ofSeconds(10),
                pgpass("10.1.2.4:6432:pgbouncer:pgb_admin:other-host\n"));
        assertNull(p.getProperty("password"));
    }

    @Test
    void the_console_is_spoken_to_in_simple_query_mode_without_pgjdbc_setup_queries() throws Exception {
        Properties p = PgBouncerConsole.properties(host(), Duration.ofSeconds(3), Duration.ofSeconds(10), pgpass(""));
        assertEquals("simple", p.getProperty("preferQueryMode"));
        // any value skips PgJDBC's SET extra_float_digits, which the console refuses; "false" reads as a normal session
        assertEquals("false", p.getProperty("replication"));
        // without it the replication parameter stays out of the startup packet
        assertNull(p.getProperty("assumeMinServerVersion"));
    }
}
