package io.pgrunbook.barman;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BarmanOutputTest {
    @Test
    void failed_check_lines_are_named_one_by_one() {
        String out = """
                Server lab:
                \tWAL archive: FAILED (please make sure WAL shipping is setup)
                \tPostgreSQL: OK
                \treceive-wal running: FAILED (See the Barman log file for more details)
                """;
        assertEquals(List.of("WAL archive: FAILED (please make sure WAL shipping is setup)",
                "receive-wal running: FAILED (See the Barman log file for more details)"), BarmanCli.failedChecks(out));
        assertTrue(BarmanCli.failedChecks("Server lab:\n\tPostgreSQL: OK\n").isEmpty());
    }

    @Test
    void show_backup_gives_id_status_system_id_and_tablespaces() {
        BackupInfo b = BackupInfo.parse("""
                Backup 20261130T085028:
                  Server Name            : lab
                  System Id              : 7713884109646237517
                  Status                 : DONE
                  PostgreSQL Version     : 150020
                  PGDATA directory       : /tmp/lab/db1/data

                  Tablespaces:
                    app_ts               : /srv/ts/app (oid: 16390)

                  Base backup information:
                    Disk usage           : 29.6 MiB (29.6 MiB with WALs)
                """);
        assertEquals("20261130T085028", b.id());
        assertTrue(b.done());
        assertEquals("7713884109646237517", b.systemId());
        assertEquals(List.of("app_ts"), b.tablespaces());
        assertFalse(BackupInfo.parse("Backup x:\n  Status                 : FAILED\n").done());
    }
}
