package io.pgrunbook.pg;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ConninfoTest {
    @Test
    void parse_reads_libpq_quoting_spaces_around_equals_and_backslash_escapes() {
        Map<String, String> m = Conninfo.parse(" host = 10.0.0.1 port=5432 user=sub\\ user password='it\\'s' application_name='a \\'b\\' \\\\c' dbname=app");
        assertEquals("10.0.0.1", m.get("host"));
        assertEquals("sub user", m.get("user"));
        assertEquals("a 'b' \\c", m.get("application_name"));
        assertEquals("it's", m.get("password"));
        assertEquals("app", m.get("dbname"));
    }

    @Test
    void parse_refuses_what_libpq_refuses() {
        assertThrows(IllegalArgumentException.class, () -> Conninfo.parse("host=a user"));
        assertThrows(IllegalArgumentException.class, () -> Conninfo.parse("host='a"));
    }

    @Test
    void a_uri_subscription_connection_keeps_its_user_password_and_options_as_keyword_value_pairs() {
        assertEquals("user=sub password='p@ss w' host=10.0.0.2 port=5432 dbname=app sslmode=require application_name=site_sub",
                Conninfo.withServer("postgresql://sub:p%40ss%20w@db1:6000/app?sslmode=require&application_name=site_sub", "10.0.0.2", 5432, "10.0.0.2"));
        assertEquals(Map.of("host", "h1,::1", "port", "5433,"), Conninfo.parse("postgres://h1:5433,[::1]"));
    }

    @Test
    void format_quotes_only_what_needs_it_and_reads_back_unchanged() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("host", "db2");
        m.put("user", "site sub");
        m.put("password", "p'w\\x");
        m.put("options", "");
        String s = Conninfo.format(m);
        assertEquals("host=db2 user='site sub' password='p\\'w\\\\x' options=''", s);
        assertEquals(m, Conninfo.parse(s));
    }

    @Test
    void with_server_changes_only_host_port_and_hostaddr_and_keeps_user_and_every_option_in_place() {
        String old = "host=10.0.0.1 hostaddr=10.0.0.1 port=5433 user=subuser dbname=app sslmode=require application_name=site_sub connect_timeout=7";
        assertEquals("host=10.0.0.2 hostaddr=10.0.0.2 port=5432 user=subuser dbname=app sslmode=require application_name=site_sub connect_timeout=7",
                Conninfo.withServer(old, "10.0.0.2", 5432, "10.0.0.2"));
        // a host name cannot be a hostaddr: dropped, so that host= is resolved
        assertEquals("host=db2.example port=5432 user=subuser dbname=app sslmode=require application_name=site_sub connect_timeout=7",
                Conninfo.withServer(old, "db2.example", 5432, "db2.example"));
        assertEquals("host=db2 port=6000 user=s dbname=app", Conninfo.withServer("user=s dbname=app", "db2", 6000, null));
    }
}
