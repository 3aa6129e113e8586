package io.pgrunbook.barman;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BarmanServerConfigTest {
    private static final String CONF = """
            ; the site's comment stays
            [silkcloud]
            description =  "SilkCloud"
            conninfo = host=10.1.7.106 port=5432 user=barman dbname=postgres sslmode=require
            streaming_conninfo = host=10.1.7.106 user=streaming_barman
            ssh_command = ssh -q postgres@10.1.7.106
            backup_method = postgres
            streaming_archiver = on
            slot_name = barman

            [other]
            conninfo = host=10.1.7.106 port=5432 user=barman dbname=postgres
            """;

    @Test
    void points_the_three_keys_at_the_new_primary_and_keeps_everything_else() {
        BarmanServerConfig.Rewrite r = BarmanServerConfig.repoint(CONF, "silkcloud", "10.1.7.107", 5433);
        assertNull(r.problem());
        assertTrue(r.changed());
        assertEquals(CONF
                .replace("conninfo = host=10.1.7.106 port=5432 user=barman dbname=postgres sslmode=require",
                        "conninfo = host=10.1.7.107 port=5433 user=barman dbname=postgres sslmode=require")
                .replace("streaming_conninfo = host=10.1.7.106 user=streaming_barman",
                        "streaming_conninfo = host=10.1.7.107 port=5433 user=streaming_barman")
                .replace("ssh -q postgres@10.1.7.106", "ssh -q postgres@10.1.7.107"), r.text());
        assertTrue(r.text().endsWith("[other]\nconninfo = host=10.1.7.106 port=5432 user=barman dbname=postgres\n"), "another server is left alone");
        assertEquals(List.of("conninfo", "streaming_conninfo", "ssh_command"), r.changes().stream().map(BarmanServerConfig.Change::key).toList());
        assertEquals("barman", r.slotName());
    }

    @Test
    void a_file_that_already_leads_there_comes_back_identical() {
        String once = BarmanServerConfig.repoint(CONF, "silkcloud", "10.1.7.107", 5433).text();
        BarmanServerConfig.Rewrite again = BarmanServerConfig.repoint(once, "silkcloud", "10.1.7.107", 5433);
        assertFalse(again.changed());
        assertEquals(once, again.text());
    }

    @Test
    void a_bare_host_in_ssh_command_stays_bare() {
        assertEquals("ssh db2.example.com", BarmanServerConfig.sshCommand("ssh db2.example.com", "db2.example.com"));
        assertEquals("ssh -p 22 10.0.0.2", BarmanServerConfig.sshCommand("ssh -p 22 db1", "10.0.0.2"));
    }

    @Test
    void a_missing_section_or_conninfo_or_an_unreadable_ssh_command_is_a_problem_and_nothing_changes() {
        assertEquals("no [nosuch] section", BarmanServerConfig.repoint(CONF, "nosuch", "h", 5432).problem());
        assertEquals("[x] has no conninfo", BarmanServerConfig.repoint("[x]\nbackup_method = rsync\n", "x", "h", 5432).problem());
        BarmanServerConfig.Rewrite r = BarmanServerConfig.repoint("[x]\nconninfo = host=a\nssh_command = ssh -q\n", "x", "h", 5432);
        assertTrue(r.problem().startsWith("ssh_command of [x]: cannot tell the host"), r.problem());
    }
}
