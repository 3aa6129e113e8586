package io.pgrunbook.pg;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.InventoryLoader;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConninfoQuotingTest {
    /**
     * libpq's conninfo_parse, as documented ("Connection Strings"): keyword = value pairs split by whitespace; a value
     * is bare up to the next whitespace, or in single quotes; in both, a backslash takes the next character literally.
     */
    static Map<String, String> libpqParse(String s) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        while (true) {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            if (i >= s.length()) {
                return out;
            }
            int eq = s.indexOf('=', i);
            String key = s.substring(i, eq).strip();
            i = eq + 1;
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            StringBuilder v = new StringBuilder();
            if (i < s.length() && s.charAt(i) == '\'') {
                i++;
                while (s.charAt(i) != '\'') {
                    if (s.charAt(i) == '\\') {
                        i++;
                    }
                    v.append(s.charAt(i++));
                }
                i++;
            } else {
                while (i < s.length() && !Character.isWhitespace(s.charAt(i))) {
                    if (s.charAt(i) == '\\') {
                        i++;
                    }
                    v.append(s.charAt(i++));
                }
            }
            if (out.put(key, v.toString()) != null) {
                out.put(key + "#2", v.toString());
            }
        }
    }

    @Test
    void every_value_stays_one_value_whatever_it_holds() {
        String[] values = {"app", "app user=x", "replicator host=evil", "it's", "back\\slash", "", " ", "a'b\\'c",
                "x\ty", "-c", "é"};
        for (String v : values) {
            String c = Conninfo.of("host", "10.0.0.1", "user", v, "application_name", "db2");
            assertEquals(Map.of("host", "10.0.0.1", "user", v, "application_name", "db2"), libpqParse(c), c);
        }
        assertEquals("host=10.0.0.1 port=5432 user=replicator", Conninfo.of("host", "10.0.0.1", "port", "5432", "user", "replicator"));
        assertEquals("'replicator host=evil'", Quote.conninfo("replicator host=evil"));
        assertEquals("'it\\'s \\\\'", Quote.conninfo("it's \\"));
    }

    @Test
    void a_replication_user_cannot_add_a_host_to_primary_conninfo_or_a_subscription() {
        Cluster c = new InventoryLoader(Map.of()).parse(Path.of("i.yaml"), """
                defaults: {replication: {user: "replicator host=evil port=1"}}
                clusters:
                  c:
                    hosts:
                      db1: {address: 10.0.0.1, role: MASTER}
                      db2: {address: 10.0.0.2, role: SLAVE}
                """).cluster(null);
        String conninfo = StandbyConfig.conninfo(c.host("db2").orElseThrow(), c.host("db1").orElseThrow());
        Map<String, String> parsed = libpqParse(conninfo);
        assertEquals("10.0.0.1", parsed.get("host"), conninfo);
        assertEquals("5432", parsed.get("port"), conninfo);
        assertEquals("replicator host=evil port=1", parsed.get("user"), conninfo);
        assertEquals(4, parsed.size(), conninfo);
        assertEquals("10.0.0.1", Conninfo.host(conninfo));
    }

    @Test
    void a_database_name_cannot_change_the_jdbc_user_or_settings() {
        Properties given = new Properties();
        given.setProperty("user", "postgres");
        given.setProperty("ApplicationName", "pgrunbook");
        for (String db : new String[]{"app?user=x", "app?user=x&ApplicationName=y", "a b+c/d#e%f", "app&sslmode=disable"}) {
            String url = PgSessions.url(InetSocketAddress.createUnresolved("10.0.0.1", 5432), db);
            Properties p = org.postgresql.Driver.parseURL(url, given);
            assertTrue(p != null, url);
            assertEquals("postgres", p.getProperty("user"), url);
            assertEquals("pgrunbook", p.getProperty("ApplicationName"), url);
            assertEquals(db, p.getProperty("PGDBNAME"), url);
            assertEquals(null, p.getProperty("sslmode"), url);
        }
    }
}
