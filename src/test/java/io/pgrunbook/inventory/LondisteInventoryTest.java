package io.pgrunbook.inventory;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LondisteInventoryTest {
    private final InventoryLoader loader = new InventoryLoader(Map.of("HOME", "/home/dba", "USER", "dba"));

    private static String inv(String replication) {
        return """
                version: 1
                clusters:
                  c:
                    hosts:
                      db1: {address: 10.0.0.1, role: MASTER}
                      db4:
                        address: 10.0.0.4
                        role: REPLICA
                        replication:
                """ + replication.indent(10);
    }

    private Host db4(String replication) {
        return loader.parse(Path.of("inv.yaml"), inv(replication)).cluster(null).host("db4").orElseThrow();
    }

    private String error(String replication) {
        return assertThrows(InventoryException.class, () -> db4(replication)).getMessage();
    }

    private static final String GOOD = """
            kind: londiste
            database: app
            ini: /etc/londiste/replica.ini
            queue: app_q
            node: replica
            ticker: {ini: "/etc/pgqd-{host}.ini"}
            """;

    @Test
    void a_londiste_replica_has_its_ini_queue_node_and_default_worker_and_ticker_commands() {
        Host h = db4(GOOD);
        assertTrue(h.replication().isLondiste());
        LondisteSettings l = h.replication().londiste();
        assertEquals("/etc/londiste/replica.ini", l.ini());
        assertEquals("app_q", l.queue());
        assertEquals("replica", l.node());
        assertNull(l.providerNode());
        assertTrue(l.defaultWorker());
        assertEquals("/etc/pgqd-db2.ini", l.tickerIni("db2"));
        assertNull(h.replication().subscription());
    }

    @Test
    void site_commands_for_worker_and_ticker_are_kept_with_the_host_name_quoted_into_the_ticker_ones() {
        LondisteSettings l = db4(GOOD.replace("ticker: {ini: \"/etc/pgqd-{host}.ini\"}",
                "worker: {start: systemctl start londiste, stop: systemctl stop londiste}\nticker: {start: \"ssh {host} start-pgqd\", stop: x}")).replication().londiste();
        assertEquals("systemctl start londiste", l.workerStart());
        assertEquals("ssh 'db 2' start-pgqd", io.pgrunbook.londiste.LondisteCommands.tickerCommand(l.tickerStart(), "db 2"));
    }

    @Test
    void a_londiste_replica_without_its_queue_is_refused_at_its_line_with_an_example() {
        String e = error(GOOD.replace("queue: app_q\n", ""));
        assertTrue(e.startsWith("inv.yaml:"), e);
        assertTrue(e.contains("has no replication.queue") && e.contains("kind: londiste"), e);
    }

    @Test
    void a_londiste_replica_needs_a_ticker_that_can_move_to_a_new_primary() {
        String e = error(GOOD.replace("ticker: {ini: \"/etc/pgqd-{host}.ini\"}\n", ""));
        assertTrue(e.contains("needs replication.ticker"), e);
    }

    @Test
    void a_subscription_on_a_londiste_replica_is_refused() {
        String e = error(GOOD + "subscription: app_sub\n");
        assertTrue(e.contains("replication.subscription is for a native subscription"), e);
    }

    @Test
    void londiste_keys_on_a_native_subscriber_are_refused() {
        String e = error("kind: logical\ndatabase: app\nsubscription: s\nqueue: app_q\n");
        assertTrue(e.contains("replication.queue is for a REPLICA of kind londiste"), e);
    }

    @Test
    void a_worker_with_start_but_no_stop_is_refused() {
        String e = error(GOOD + "worker: {start: x}\n");
        assertTrue(e.contains("replication.worker needs both start and stop"), e);
    }

    @Test
    void an_unknown_key_under_ticker_is_refused_with_a_suggestion() {
        String e = error(GOOD.replace("ticker: {ini: \"/etc/pgqd-{host}.ini\"}", "ticker: {inii: /etc/pgqd.ini}"));
        assertTrue(e.contains("unknown key 'inii' in replication.ticker"), e);
    }

    @Test
    void a_master_cannot_be_of_kind_londiste() {
        String yaml = """
                version: 1
                clusters:
                  c:
                    hosts:
                      db1: {address: 10.0.0.1, role: MASTER, replication: {kind: londiste}}
                """;
        String e = assertThrows(InventoryException.class, () -> loader.parse(Path.of("inv.yaml"), yaml)).getMessage();
        assertTrue(e.contains("cannot be a londiste replica"), e);
    }
}
