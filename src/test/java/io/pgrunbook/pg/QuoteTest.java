package io.pgrunbook.pg;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.InventoryLoader;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class QuoteTest {
    static final String[] NASTY = {"app", "app db?x=1&y", "o'brien", "back\\slash", "a\\'b", "x=1 host=evil",
            "quote\"d", "tab\tand space", "%41", "é", "a\\nb"};

    /**
     * PostgreSQL's configuration lexer (guc-file.l): a quoted value is {@code '([^'\\\n]|\\.|'')*'}; then
     * DeescapeQuotedString turns {@code ''} into a quote, \b \f \n \r \t into their characters, \ooo into a byte and
     * any other escaped character into itself. Returns the value and what follows it.
     */
    static String[] confLex(String s) {
        if (s.charAt(0) != '\'') {
            throw new IllegalArgumentException("not a quoted value: " + s);
        }
        StringBuilder v = new StringBuilder();
        int i = 1;
        while (true) {
            char c = s.charAt(i);
            if (c == '\'') {
                if (i + 1 < s.length() && s.charAt(i + 1) == '\'') {
                    v.append('\'');
                    i += 2;
                    continue;
                }
                return new String[]{v.toString(), s.substring(i + 1)};
            }
            if (c == '\\') {
                char e = s.charAt(i + 1);
                v.append(switch (e) {
                    case 'b' -> '\b';
                    case 'f' -> '\f';
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    case 't' -> '\t';
                    default -> e;
                });
                i += 2;
                continue;
            }
            if (c == '\n') {
                throw new IllegalArgumentException("newline in a quoted value: " + s);
            }
            v.append(c);
            i++;
        }
    }

    @Test
    void a_conf_value_reads_back_whole_with_quotes_and_backslashes() {
        for (String v : NASTY) {
            String[] lexed = confLex(Quote.conf(v) + "\n");
            assertEquals(v, lexed[0], Quote.conf(v));
            assertEquals("\n", lexed[1], Quote.conf(v));
        }
    }

    @Test
    void primary_conninfo_keeps_a_replication_user_with_quotes_backslashes_and_url_characters_as_one_value() {
        for (String user : NASTY) {
            Cluster c = new InventoryLoader(Map.of()).parse(Path.of("i.yaml"), """
                    defaults: {replication: {user: %s}}
                    clusters:
                      c:
                        hosts:
                          db1: {address: 10.0.0.1, role: MASTER}
                          db2: {address: 10.0.0.2, role: SLAVE}
                    """.formatted(yamlDoubleQuoted(user))).cluster(null);
            String settings = StandbyConfig.settings(c.host("db2").orElseThrow(), c.host("db1").orElseThrow());
            String line = settings.lines().filter(l -> l.startsWith("primary_conninfo = ")).findFirst().orElseThrow();
            String[] lexed = confLex(line.substring("primary_conninfo = ".length()));
            assertEquals("", lexed[1], line);
            Map<String, String> parsed = ConninfoQuotingTest.libpqParse(lexed[0]);
            assertEquals(Map.of("host", "10.0.0.1", "port", "5432", "user", user, "application_name", "db2"), parsed,
                    line);
        }
    }

    private static String yamlDoubleQuoted(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\t", "\\t") + "\"";
    }

    @Test
    void a_jdbc_url_keeps_any_database_name_as_the_database_and_adds_no_parameter() {
        Properties given = new Properties();
        given.setProperty("user", "postgres");
        for (String db : NASTY) {
            String url = PgSessions.url(InetSocketAddress.createUnresolved("10.0.0.1", 5432), db);
            Properties p = org.postgresql.Driver.parseURL(url, given);
            assertEquals(db, p.getProperty("PGDBNAME"), url);
            assertEquals("postgres", p.getProperty("user"), url);
            assertEquals(null, p.getProperty("x"), url);
            assertEquals(null, p.getProperty("y"), url);
        }
    }

    @Test
    void identifiers_are_double_quoted_with_quotes_doubled() {
        assertEquals("\"app\"", Quote.ident("app"));
        assertEquals("\"Sub\"\"; DROP TABLE x; --\"", Quote.ident("Sub\"; DROP TABLE x; --"));
    }

    @Test
    void literals_double_quotes_and_use_e_strings_only_for_backslashes() {
        assertEquals("'plain'", Quote.literal("plain"));
        assertEquals("'o''brien'", Quote.literal("o'brien"));
        assertEquals("E'a\\\\b''c'", Quote.literal("a\\b'c"));
        assertThrows(IllegalArgumentException.class, () -> Quote.literal("nul\0"));
    }

    @Test
    void conninfo_values_are_bare_only_when_plain() {
        assertEquals("replicator", Quote.conninfo("replicator"));
        assertEquals("''", Quote.conninfo(""));
        assertEquals("'app db?x=1&y'", Quote.conninfo("app db?x=1&y"));
    }
}
