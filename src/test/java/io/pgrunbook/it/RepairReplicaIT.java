package io.pgrunbook.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * repair-replica on a real lab whose subscription connects as the site's own user ({@code subuser}, with options of its
 * own): after a failover the REPLICA's slot is gone with the old primary; the re-copy is refused, REPLICA untouched,
 * while that user cannot SELECT a published table; then a table created on the new primary and missing on the REPLICA
 * is created before the copy, and the subscription keeps its user and options.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RepairReplicaIT {
    private static final String SITE_CONN_OPTIONS = "application_name=site_sub connect_timeout=7";
    private static LabFixture lab;
    private static LabOps ops;

    @BeforeAll
    static void up() throws Exception {
        lab = LabFixture.start("repair-replica", LabNets.REPAIR_REPLICA.base());
        ops = new LabOps(lab);
        // the site's subscription user: may replicate and read items, not the table added below
        ops.exec("db1", "app", "CREATE ROLE subuser LOGIN REPLICATION", "GRANT SELECT ON items TO subuser",
                "CREATE TABLE extra (id int PRIMARY KEY, v text)", "REVOKE ALL ON extra FROM subuser",
                "INSERT INTO extra SELECT g, 'x' || g FROM generate_series(1, 5) g");
        ops.exec("db4", "app", "CREATE TABLE extra (id int PRIMARY KEY, v text)", "ALTER SUBSCRIPTION app_sub REFRESH PUBLICATION");
        // copied by the lab's replication user first: a table sync as subuser would fail on extra
        LabOps.await("extra copied to db4", Duration.ofSeconds(60), () -> count("db4", "extra").equals("5"));
        ops.exec("db4", "app", "ALTER SUBSCRIPTION app_sub CONNECTION 'host=" + lab.address("db1") + " port=5432 dbname=app user=subuser "
                + SITE_CONN_OPTIONS + "'");
        ops.rowArrives("db1", "db4", "streamed as subuser");
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.stop();
        }
    }

    static String count(String host, String table) {
        try {
            return ops.one(host, "app", "SELECT count(*) FROM " + table);
        } catch (Exception e) {
            return e.getMessage();
        }
    }

    private static String subconninfo() throws Exception {
        return ops.one("db4", "app", "SELECT subconninfo FROM pg_subscription WHERE subname = 'app_sub'");
    }

    private static CliRunner.Result repair() {
        return CliRunner.run("-i", lab.inventory().toString(), "--no-color", "repair-replica", "db4", "--yes", "--confirm-host", "db4");
    }

    @Test
    @Order(1)
    void repair_replica_is_refused_before_the_truncate_when_the_subscription_user_cannot_select_a_published_table() throws Exception {
        ops.promote("db2");
        ops.stop("db1", "fast");
        ops.exec("db2", "app", "INSERT INTO items(note) VALUES ('written on db2 before the repair')");
        String items = count("db4", "items");
        String conn = subconninfo();

        CliRunner.Result r = repair().expect(3);

        assertTrue(r.err().contains("subuser cannot SELECT public.extra on db2"), r::toString);
        assertTrue(r.err().contains("GRANT SELECT ON public.extra TO \"subuser\""), "the fix is named: " + r);
        assertFalse(r.err().contains("truncated "), r::toString);
        assertEquals(items, count("db4", "items"), "db4's rows untouched");
        assertEquals("5", count("db4", "extra"));
        assertEquals(conn, subconninfo(), "the subscription untouched");
    }

    @Test
    @Order(2)
    void repair_replica_creates_a_published_table_the_replica_lacks_and_keeps_the_subscription_user_and_options() throws Exception {
        // as the smoke probe table was: created on the primary after the REPLICA's last repair, published FOR ALL TABLES
        ops.exec("db2", "app", "GRANT SELECT ON extra TO subuser",
                "CREATE TABLE late (id bigserial PRIMARY KEY, note text NOT NULL, amount numeric(10,2), at timestamptz DEFAULT now())",
                "GRANT SELECT ON late TO subuser",
                "INSERT INTO late(note, amount) VALUES ('a', 1.5), ('b', 2), ('c', NULL)");
        assertEquals("f", ops.one("db4", "app", "SELECT to_regclass('public.late') IS NOT NULL"));

        CliRunner.Result dry = CliRunner.run("-i", lab.inventory().toString(), "--no-color", "repair-replica", "db4", "--dry-run").expect(0);
        assertTrue(dry.out().contains("created before the copy: public.late"), "the preflight names the table it will create: " + dry);

        CliRunner.Result r = repair().expect(0);

        assertTrue(r.err().contains("is MISSING"), "the lost slot is shown: " + r);
        assertTrue(r.err().contains("CREATE TABLE \"public\".\"late\""), r::toString);
        assertTrue(r.err().contains("truncated "), r::toString);
        String conn = subconninfo();
        assertTrue(conn.contains("host=" + lab.address("db2")), conn);
        assertTrue(conn.contains("user=subuser"), "the site's own user kept: " + conn);
        assertTrue(conn.contains(SITE_CONN_OPTIONS), "the site's own options kept: " + conn);
        LabOps.await("late copied to db4", Duration.ofSeconds(60), () -> count("db4", "late").equals("3"));
        assertEquals("2.00", ops.one("db4", "app", "SELECT amount FROM late WHERE note = 'b'"));
        assertEquals("t", ops.one("db4", "app", "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'late'::regclass AND attname = 'note'"));
        ops.rowArrives("db2", "db4", "after repair");
        assertEquals(count("db2", "items"), count("db4", "items"), "db4 has exactly db2's rows after the re-copy");
        assertEquals("5", count("db4", "extra"));
        ops.exec("db2", "app", "INSERT INTO late(note) VALUES ('streamed')");
        LabOps.await("a row of late streamed to db4", Duration.ofSeconds(60), () -> count("db4", "late").equals("4"));
    }
}
