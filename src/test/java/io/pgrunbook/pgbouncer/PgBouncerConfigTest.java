package io.pgrunbook.pgbouncer;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PgBouncerConfigTest {
    private static final String INI = """
            ; PgBouncer on db1 -- managed by hand
            # another comment style
            [databases]
            ; app = host=10.0.0.9 port=5432 dbname=app   (old, commented out)
            app = host=10.1.7.106 port=5432 dbname=app pool_size=20
            reports=host=10.1.7.106 dbname=reports
            other = host=10.9.9.9 port=6000 dbname=other

            [pgbouncer]
            listen_addr = *
            ; host = not a database
            host = 1.2.3.4
            """;

    @Test
    void repoint_changes_only_host_and_port_of_the_named_database() {
        var r = PgBouncerConfig.repoint(INI, List.of("app"), "10.1.7.107", 5432);
        String expected = INI.replace("app = host=10.1.7.106 port=5432", "app = host=10.1.7.107 port=5432");
        assertEquals(expected, r.text());
        assertTrue(r.changed());
        assertEquals(1, r.entries().size());
        assertEquals("10.1.7.106", r.entries().get(0).oldHost());
        assertEquals(5, r.entries().get(0).line());
        assertTrue(r.missing().isEmpty());
    }

    @Test
    void repoint_is_idempotent_second_run_changes_nothing() {
        var first = PgBouncerConfig.repoint(INI, List.of("app", "reports"), "10.1.7.107", 5432);
        var second = PgBouncerConfig.repoint(first.text(), List.of("app", "reports"), "10.1.7.107", 5432);
        assertFalse(second.changed());
        assertEquals(first.text(), second.text());
    }

    @Test
    void repoint_leaves_comments_other_sections_and_other_databases_alone() {
        var r = PgBouncerConfig.repoint(INI, List.of("app"), "db2.example", 6543);
        assertTrue(r.text().contains("; app = host=10.0.0.9 port=5432 dbname=app   (old, commented out)\n"));
        assertTrue(r.text().contains("other = host=10.9.9.9 port=6000 dbname=other\n"));
        assertTrue(r.text().contains("reports=host=10.1.7.106 dbname=reports\n"));
        assertTrue(r.text().contains("\nhost = 1.2.3.4\n"), "a host key outside [databases] is not a database");
        assertTrue(r.text().contains("app = host=db2.example port=6543 dbname=app pool_size=20\n"));
    }

    @Test
    void repoint_keeps_spacing_around_equals_in_the_connect_string() {
        String ini = "[databases]\napp =  host = 10.0.0.1   port= 5432 dbname =app\n";
        var r = PgBouncerConfig.repoint(ini, List.of("app"), "10.0.0.2", 5433);
        assertEquals("[databases]\napp =  host = 10.0.0.2   port= 5433 dbname =app\n", r.text());
    }

    @Test
    void repoint_adds_a_port_only_when_the_target_is_not_the_default() {
        String ini = "[databases]\nreports = host=a dbname=reports\n";
        assertEquals("[databases]\nreports = host=b dbname=reports\n",
                PgBouncerConfig.repoint(ini, List.of("reports"), "b", 5432).text());
        assertEquals("[databases]\nreports = host=b dbname=reports port=6000\n",
                PgBouncerConfig.repoint(ini, List.of("reports"), "b", 6000).text());
    }

    @Test
    void repoint_adds_host_to_a_unix_socket_entry() {
        String ini = "[databases]\napp = dbname=app\n";
        assertEquals("[databases]\napp = dbname=app host=10.0.0.2\n",
                PgBouncerConfig.repoint(ini, List.of("app"), "10.0.0.2", 5432).text());
    }

    @Test
    void repoint_keeps_quoted_values_of_other_keys_and_crlf_line_ends() {
        String ini = "[Databases]\r\napp = host='10.0.0.1' application_name='host=x y' dbname=app\r\n[pgbouncer]\r\n";
        var r = PgBouncerConfig.repoint(ini, Set.of("app"), "10.0.0.2", 5432);
        assertEquals("[Databases]\r\napp = host=10.0.0.2 application_name='host=x y' dbname=app\r\n[pgbouncer]\r\n", r.text());
        assertEquals("10.0.0.1", r.entries().get(0).oldHost());
    }

    @Test
    void repoint_reports_databases_missing_from_the_file_and_a_file_without_databases_section() {
        var r = PgBouncerConfig.repoint("[pgbouncer]\nlisten_port = 6432\n", List.of("app"), "b", 5432);
        assertFalse(r.hasDatabasesSection());
        assertEquals(List.of("app"), r.missing());
        assertEquals("[pgbouncer]\nlisten_port = 6432\n", r.text());
        var r2 = PgBouncerConfig.repoint(INI, List.of("app", "nope"), "b", 5432);
        assertEquals(List.of("nope"), r2.missing());
    }

    @Test
    void repoint_with_no_named_databases_points_every_entry() {
        var r = PgBouncerConfig.repoint(INI, List.of(), "b", 5432);
        assertEquals(List.of("app", "reports", "other"), r.entries().stream().map(PgBouncerConfig.Change::database).toList());
        assertTrue(r.text().contains("other = host=b port=5432 dbname=other\n"));
    }

    @Test
    void repoint_keeps_a_file_without_final_newline_as_it_is() {
        String ini = "[databases]\napp = host=a port=5432";
        assertEquals("[databases]\napp = host=b port=5432", PgBouncerConfig.repoint(ini, List.of("app"), "b", 5432).text());
    }

    @Test
    void quoted_database_names_match() {
        String ini = "[databases]\n\"app\" = host=a\n";
        assertEquals("[databases]\n\"app\" = host=b\n", PgBouncerConfig.repoint(ini, List.of("app"), "b", 5432).text());
    }

    @Test
    void entries_lists_where_each_database_points() {
        var e = PgBouncerConfig.entries(INI);
        assertEquals(3, e.size());
        assertEquals(new PgBouncerConfig.Entry("app", 5, "10.1.7.106", 5432), e.get(0));
        assertEquals(new PgBouncerConfig.Entry("reports", 6, "10.1.7.106", null), e.get(1));
    }
}
