package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.PgSettings;
import io.pgrunbook.inventory.ReplicationSettings;
import io.pgrunbook.inventory.Role;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The inventory's postgres.config_file reaches every command that reads a stopped server's configuration. */
class SiteConfigFileTest {
    private static PgSettings pg(String configFile) {
        return new PgSettings(5432, "postgres", "postgres", "/usr/lib/postgresql/15/bin", "/var/lib/postgresql/15/main", configFile,
                null, null, PgSettings.ServiceCommands.NONE, PgSettings.ConnectMode.DIRECT, null, Duration.ofSeconds(5),
                Duration.ofSeconds(30), null, java.util.Map.of());
    }

    private static Host host(String name, String configFile) {
        return new Host(name, "10.0.0." + name.charAt(2), Role.MASTER, Host.TransportKind.LOCAL, null, "postgres", pg(configFile),
                new ReplicationSettings("replicator", true, ReplicationSettings.Kind.PHYSICAL, null, null, null, null), null, null);
    }

    @Test
    void a_config_file_in_the_data_directory_or_none_is_not_outside() {
        assertNull(DataDir.outsideConfigFile(pg(null)));
        assertNull(DataDir.outsideConfigFile(pg("/var/lib/postgresql/15/main/postgresql.conf")));
        assertEquals("/etc/postgresql/15/main/postgresql.conf", DataDir.outsideConfigFile(pg("/etc/postgresql/15/main/postgresql.conf")));
    }

    @Test
    void a_setting_of_a_stopped_server_is_read_with_the_sites_config_file() {
        assertEquals(List.of("/usr/lib/postgresql/15/bin/postgres", "--config-file=/etc/postgresql/15/main/postgresql.conf",
                "-D", "/var/lib/postgresql/15/main", "-C", "restore_command"),
                DataDir.showSetting(pg("/etc/postgresql/15/main/postgresql.conf"), "restore_command").argv());
        assertEquals(List.of("/usr/lib/postgresql/15/bin/postgres", "-D", "/var/lib/postgresql/15/main", "-C", "restore_command"),
                DataDir.showSetting(pg(null), "restore_command").argv());
    }

    @Test
    void pg_rewind_is_given_the_config_file_only_when_it_lives_elsewhere() {
        Host db1 = host("db1", "/etc/postgresql/15/main/postgresql.conf");
        Host db2 = host("db2", null);
        List<String> a = RewindAction.argv(db1, db2, true, DataDir.outsideConfigFile(db1.postgres()));
        assertTrue(a.contains("--config-file=/etc/postgresql/15/main/postgresql.conf"), a.toString());
        assertTrue(a.contains("--restore-target-wal"), a.toString());
        List<String> plain = RewindAction.argv(db2, db1, false, DataDir.outsideConfigFile(db2.postgres()));
        assertFalse(plain.stream().anyMatch(s -> s.startsWith("--config-file")), plain.toString());
    }

    @Test
    void an_older_pg_rewind_gets_the_crash_recovery_run_first_with_the_config_file() {
        String script = String.join(" ", RewindAction.singleUserRecovery(pg("/etc/pg/main/postgresql.conf"), "/etc/pg/main/postgresql.conf").argv());
        assertTrue(script.contains("postgres --single -F --config-file=/etc/pg/main/postgresql.conf -D /var/lib/postgresql/15/main template1 < /dev/null"), script);
    }
}
