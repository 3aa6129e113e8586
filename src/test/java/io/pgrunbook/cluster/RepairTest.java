package io.pgrunbook.cluster;

import io.pgrunbook.cluster.Repair.Procedure;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.pgrunbook.cluster.RemedyFixtures.down;
import static io.pgrunbook.cluster.RemedyFixtures.notStreaming;
import static io.pgrunbook.cluster.RemedyFixtures.primary;
import static io.pgrunbook.cluster.RemedyFixtures.replica;
import static io.pgrunbook.cluster.RemedyFixtures.state;
import static io.pgrunbook.cluster.RemedyFixtures.streaming;
import static io.pgrunbook.cluster.RemedyFixtures.unknown;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RepairTest {
    private static Repair.Choice repair(String host, NodeState... nodes) {
        return Repair.decide(state(nodes), host);
    }

    private static void expect(Procedure p, Repair.Choice c) {
        assertEquals(p, c.procedure(), c::reason);
    }

    @Test
    void master_down_as_primary_after_failover_is_failed_back() {
        Repair.Choice c = repair("db1", down("db1", false), primary("db2"), streaming("db3", "db2"), replica());
        expect(Procedure.FAILBACK, c);
        assertTrue(c.reason().contains("db2"), c.reason());
    }

    @Test
    void master_that_is_the_live_primary_has_nothing_to_do() {
        expect(Procedure.NOTHING, repair("db1", primary("db1"), streaming("db2", "db1"), streaming("db3", "db1"), replica()));
    }

    @Test
    void master_streaming_from_the_new_primary_has_nothing_to_do_and_hints_switchover() {
        Repair.Choice c = repair("db1", streaming("db1", "db2"), primary("db2"), streaming("db3", "db2"), replica());
        expect(Procedure.NOTHING, c);
        assertTrue(c.hint().contains("switchover --to db1"), c.hint());
    }

    @Test
    void master_down_with_no_other_primary_is_started_by_the_remedy_table() {
        expect(Procedure.REMEDY, repair("db1", down("db1", false), streaming("db2", null), down("db3", true), replica()));
    }

    @Test
    void stopped_slave_is_started() {
        expect(Procedure.REMEDY, repair("db2", primary("db1"), down("db2", true), streaming("db3", "db1"), replica()));
    }

    @Test
    void stopped_bcp_is_started() {
        expect(Procedure.REMEDY, repair("db3", primary("db1"), streaming("db2", "db1"), down("db3", true), replica()));
    }

    @Test
    void slave_down_as_primary_while_master_is_primary_is_rejoined_with_rewind() {
        expect(Procedure.FAILBACK, repair("db2", primary("db1"), down("db2", false), streaming("db3", "db1"), replica()));
    }

    @Test
    void standby_that_runs_but_does_not_stream_is_rebuilt() {
        Repair.Choice c = repair("db3", primary("db1"), streaming("db2", "db1"), notStreaming("db3", 1), replica());
        expect(Procedure.REBUILD, c);
        assertTrue(c.reason().contains("timeline 1"), c.reason());
    }

    @Test
    void standby_without_a_data_directory_is_rebuilt() {
        NodeState gone = RemedyFixtures.node("db3", LiveState.DOWN, false, null, null, null,
                "db3: PostgreSQL is not running (no data directory at /x)", List.of());
        expect(Procedure.REBUILD, repair("db3", primary("db1"), streaming("db2", "db1"), gone, replica()));
    }

    @Test
    void healthy_standby_has_nothing_to_do() {
        expect(Procedure.NOTHING, repair("db2", primary("db1"), streaming("db2", "db1"), streaming("db3", "db1"), replica()));
    }

    @Test
    void replica_with_a_disabled_subscription_is_repaired() {
        Repair.Choice c = repair("db4", primary("db1"), streaming("db2", "db1"), streaming("db3", "db1"), replica(false, false, "10.0.0.1"));
        expect(Procedure.REPAIR_REPLICA, c);
        assertTrue(c.reason().contains("disabled"), c.reason());
    }

    @Test
    void replica_reading_from_an_old_primary_is_repaired() {
        expect(Procedure.REPAIR_REPLICA, repair("db4", down("db1", false), primary("db2"), streaming("db3", "db2"), replica(true, true, "10.0.0.1")));
    }

    @Test
    void healthy_replica_has_nothing_to_do() {
        expect(Procedure.NOTHING, repair("db4", primary("db1"), streaming("db2", "db1"), streaming("db3", "db1"), replica()));
    }

    @Test
    void stopped_replica_is_started() {
        expect(Procedure.REMEDY, repair("db4", primary("db1"), streaming("db2", "db1"), streaming("db3", "db1"), down("db4", false)));
    }

    @Test
    void split_brain_is_refused_with_the_slave_as_winner() {
        Repair.Choice c = repair("db1", primary("db1"), primary("db2"), streaming("db3", "db2"), replica());
        expect(Procedure.REFUSE, c);
        assertTrue(c.hint().contains("SLAVE wins"), c.hint());
    }

    @Test
    void unreachable_node_is_refused() {
        expect(Procedure.REFUSE, repair("db2", primary("db1"), unknown("db2"), streaming("db3", "db1"), replica()));
    }
}
