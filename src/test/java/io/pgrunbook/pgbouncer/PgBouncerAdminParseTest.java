package io.pgrunbook.pgbouncer;

import io.pgrunbook.remote.TransportException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PgBouncerAdminParseTest {
    private static final String TABLE = "name\u001fhost\u001fport\u001fdatabase\u001fpaused\u001fdisabled\u001fcurrent_connections\n"
            + "app\u001f127.0.0.1\u001f5432\u001fapp\u001f1\u001f0\u001f1\n";

    @Test
    void psqls_table_gives_each_database_with_its_target_and_pause() {
        List<PgBouncerAdmin.Database> dbs = PgBouncerAdmin.databasesOf("db1", 6432, TABLE);
        assertEquals(1, dbs.size());
        assertEquals("app", dbs.get(0).name());
        assertEquals("127.0.0.1", dbs.get(0).host());
        assertTrue(dbs.get(0).paused());
    }

    @Test
    void output_whose_first_line_is_not_the_header_fails_instead_of_reading_as_no_database() {
        TransportException e = assertThrows(TransportException.class,
                () -> PgBouncerAdmin.databasesOf("db1", 6432, "*** PROD - authorised use only ***\n" + TABLE));
        assertEquals("db1: PgBouncer console on port 6432: SHOW DATABASES gave no table (its first line is not psql's"
                + " header): check what the host prints before a command", e.getMessage());
        assertEquals(List.of(), PgBouncerAdmin.databasesOf("db1", 6432, ""));
    }
}
