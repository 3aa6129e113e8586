package io.pgrunbook.cluster;

import io.pgrunbook.cluster.Remedy.Decision;
import io.pgrunbook.cluster.RemedyTable.Side;
import io.pgrunbook.inventory.Role;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;

import static io.pgrunbook.cluster.RemedyFixtures.down;
import static io.pgrunbook.cluster.RemedyFixtures.primary;
import static io.pgrunbook.cluster.RemedyFixtures.replica;
import static io.pgrunbook.cluster.RemedyFixtures.state;
import static io.pgrunbook.cluster.RemedyFixtures.streaming;
import static io.pgrunbook.cluster.RemedyFixtures.unknown;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One test per row of the MASTER and SLAVE remedy tables, then BCP and REPLICA. */
class RemedyTest {
    private static Decision remedy(String host, NodeState... nodes) {
        return Remedy.decide(state(nodes), host, true);
    }

    /** The row used, and what the decision does: db started, feed REPLICA (or null), PgBouncer target (or null). */
    private static void expect(Decision d, Role role, Side self, Side partner, boolean startDb, String feed, String pgbouncer) {
        assertEquals(RemedyTable.lookup(role, self, partner).orElseThrow(), d.row(), d::explain);
        assertEquals(startDb, d.startDb(), d::explain);
        assertEquals(feed, d.feed(), d::explain);
        assertEquals(pgbouncer, d.pgbouncer(), d::explain);
        assertTrue(d.explain().contains("  > " + d.row().render()), d::explain);
    }

    @Test
    void table_has_the_twelve_rows_of_the_estate_once_each() {
        assertEquals(12, RemedyTable.ROWS.size());
        assertEquals(12, new HashSet<>(RemedyTable.ROWS.stream().map(r -> List.of(r.role(), r.self(), r.partner())).toList()).size());
        assertEquals(6, RemedyTable.rows(Role.MASTER).size());
        assertEquals(6, RemedyTable.rows(Role.SLAVE).size());
    }

    // MASTER remedy

    @Test
    void master_active_slave_unknown_starts_master_and_feed_pgbouncer_to_master() {
        Decision d = remedy("db1", down("db1", false), unknown("db2"), down("db3", true), replica());
        expect(d, Role.MASTER, Side.ACTIVE, Side.UNKNOWN, true, "db4", "db1");
        assertNull(d.refusal());
    }

    @Test
    void master_active_slave_active_is_split_brain_master_not_started_pgbouncer_to_slave_failback_hint() {
        Decision d = remedy("db1", down("db1", false), primary("db2"), streaming("db3", "db2"), replica());
        expect(d, Role.MASTER, Side.ACTIVE, Side.ACTIVE, false, null, "db2");
        assertTrue(d.refusal().contains("SPLIT BRAIN") && d.refusal().contains("NOT started"), d.refusal());
        assertTrue(d.hint().contains("pgrunbook failback db1"), d.hint());
        assertEquals("false", d.params().get("start_db"));
    }

    @Test
    void master_active_slave_standby_is_normal_starts_master_and_feed_pgbouncer_to_master() {
        Decision d = remedy("db1", down("db1", false), down("db2", true), down("db3", true), replica());
        expect(d, Role.MASTER, Side.ACTIVE, Side.STANDBY, true, "db4", "db1");
    }

    @Test
    void master_standby_slave_unknown_starts_master_no_feed_pgbouncer_not_started() {
        Decision d = remedy("db1", down("db1", true), unknown("db2"), down("db3", true), replica());
        expect(d, Role.MASTER, Side.STANDBY, Side.UNKNOWN, true, null, null);
        assertEquals("false", d.params().get("pgbouncer"));
    }

    @Test
    void master_standby_slave_active_is_normal_failover_starts_master_no_feed_pgbouncer_to_slave() {
        Decision d = remedy("db1", down("db1", true), primary("db2"), streaming("db3", "db2"), replica());
        expect(d, Role.MASTER, Side.STANDBY, Side.ACTIVE, true, null, "db2");
    }

    @Test
    void master_standby_slave_standby_starts_master_no_feed_pgbouncer_not_started() {
        Decision d = remedy("db1", down("db1", true), streaming("db2", "db3"), primary("db3"), replica());
        expect(d, Role.MASTER, Side.STANDBY, Side.STANDBY, true, null, null);
    }

    // SLAVE remedy

    @Test
    void slave_active_master_unknown_starts_slave_and_feed_pgbouncer_to_slave() {
        Decision d = remedy("db2", unknown("db1"), down("db2", false), down("db3", true), replica());
        expect(d, Role.SLAVE, Side.ACTIVE, Side.UNKNOWN, true, "db4", "db2");
    }

    @Test
    void slave_active_master_active_is_split_brain_slave_wins_starts_no_feed_pgbouncer_to_slave() {
        Decision d = remedy("db2", primary("db1"), down("db2", false), streaming("db3", "db1"), replica());
        expect(d, Role.SLAVE, Side.ACTIVE, Side.ACTIVE, true, null, "db2");
        assertNull(d.refusal());
    }

    @Test
    void slave_active_master_standby_is_normal_failover_starts_slave_and_feed_pgbouncer_to_slave() {
        Decision d = remedy("db2", down("db1", true), down("db2", false), down("db3", true), replica());
        expect(d, Role.SLAVE, Side.ACTIVE, Side.STANDBY, true, "db4", "db2");
    }

    @Test
    void slave_standby_master_unknown_starts_slave_no_feed_pgbouncer_not_started() {
        Decision d = remedy("db2", unknown("db1"), down("db2", true), down("db3", true), replica());
        expect(d, Role.SLAVE, Side.STANDBY, Side.UNKNOWN, true, null, null);
    }

    @Test
    void slave_standby_master_active_is_normal_starts_slave_no_feed_pgbouncer_to_master() {
        Decision d = remedy("db2", primary("db1"), down("db2", true), streaming("db3", "db1"), replica());
        expect(d, Role.SLAVE, Side.STANDBY, Side.ACTIVE, true, null, "db1");
    }

    @Test
    void slave_standby_master_standby_starts_slave_no_feed_pgbouncer_not_started() {
        Decision d = remedy("db2", streaming("db1", "db3"), down("db2", true), primary("db3"), replica());
        expect(d, Role.SLAVE, Side.STANDBY, Side.STANDBY, true, null, null);
    }

    // classification and the other roles

    @Test
    void a_node_that_already_runs_is_not_started_again_but_its_row_still_points_pgbouncer() {
        Decision d = remedy("db1", primary("db1"), streaming("db2", "db1"), streaming("db3", "db1"), replica());
        expect(d, Role.MASTER, Side.ACTIVE, Side.STANDBY, false, "db4", "db1");
        assertNull(d.refusal());
    }

    @Test
    void feed_is_not_started_when_the_replica_is_down() {
        Decision d = remedy("db1", down("db1", false), down("db2", true), down("db3", true), down("db4", false));
        assertNull(d.feed());
        assertTrue(d.notes().stream().anyMatch(n -> n.contains("remedy db4")), d::explain);
    }

    @Test
    void a_host_without_pgbouncer_gets_no_pgbouncer_step() {
        Decision d = Remedy.decide(state(down("db1", false), down("db2", true), down("db3", true), replica()), "db1", false);
        assertNull(d.pgbouncer());
    }

    @Test
    void an_unreachable_node_or_an_unreadable_data_directory_is_refused() {
        assertThrows(Remedy.Refused.class, () -> remedy("db1", unknown("db1"), primary("db2")));
        NodeState unread = RemedyFixtures.node("db1", LiveState.DOWN, null, null, null, null, "x", List.of());
        assertThrows(Remedy.Refused.class, () -> remedy("db1", unread, primary("db2")));
    }

    @Test
    void bcp_with_standby_signal_is_just_started() {
        Decision d = remedy("db3", primary("db1"), streaming("db2", "db1"), down("db3", true), replica());
        assertTrue(d.startDb());
        assertNull(d.follow());
        assertNull(d.row());
    }

    @Test
    void bcp_without_standby_signal_is_configured_to_follow_the_live_primary_never_started_as_primary() {
        Decision d = remedy("db3", down("db1", false), primary("db2"), down("db3", false), replica());
        assertFalse(d.startDb());
        assertEquals("db2", d.follow());
        assertEquals("true", d.params().get("follow"));
        assertEquals("db2", d.params().get("upstream"));
    }

    @Test
    void bcp_without_standby_signal_and_no_live_primary_is_refused() {
        var e = assertThrows(Remedy.Refused.class, () -> remedy("db3", down("db1", false), down("db2", true), down("db3", false), replica()));
        assertTrue(e.getMessage().contains("would start as a primary"), e.getMessage());
    }

    @Test
    void replica_is_started_and_its_subscription_enabled_when_the_primary_is_live() {
        Decision d = remedy("db4", primary("db1"), streaming("db2", "db1"), streaming("db3", "db1"), down("db4", false));
        assertTrue(d.startDb());
        assertEquals("db4", d.feed());
    }

    @Test
    void replica_subscription_is_not_enabled_without_a_live_primary() {
        Decision d = remedy("db4", down("db1", false), down("db2", true), down("db3", true), down("db4", false));
        assertTrue(d.startDb());
        assertNull(d.feed());
    }
}
