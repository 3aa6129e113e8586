package io.pgrunbook.cluster;

import org.junit.jupiter.api.Test;

import static io.pgrunbook.cluster.RemedyFixtures.down;
import static io.pgrunbook.cluster.RemedyFixtures.notStreaming;
import static io.pgrunbook.cluster.RemedyFixtures.primary;
import static io.pgrunbook.cluster.RemedyFixtures.replica;
import static io.pgrunbook.cluster.RemedyFixtures.state;
import static io.pgrunbook.cluster.RemedyFixtures.streaming;
import static io.pgrunbook.cluster.RemedyFixtures.unknown;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The node a failover fences: the live primary, else the node that was primary last; never the target. */
class FenceChoiceTest {
    private static void fences(String host, FenceChoice.Decision d) {
        assertFalse(d.refused(), () -> "refused: " + d.refusal());
        assertEquals(host, d.host(), d::reason);
    }

    private static FenceChoice.Decision refused(FenceChoice.Decision d, String... words) {
        assertTrue(d.refused(), () -> "not refused: fences " + d.host() + ": " + d.reason());
        assertNull(d.host());
        String text = d.refusal() + " / " + d.hint();
        for (String w : words) {
            assertTrue(text.contains(w), () -> "'" + w + "' not in: " + text);
        }
        assertFalse(text.contains("null"), text);
        return d;
    }

    @Test
    void the_live_primary_other_than_the_target_is_fenced() {
        fences("db1", FenceChoice.choose(state(primary("db1"), streaming("db2", "db1"), streaming("db3", "db1"), replica()), "db2"));
    }

    @Test
    void after_a_switchover_the_live_primary_slave_is_fenced_not_the_master_that_is_the_target() {
        fences("db2", FenceChoice.choose(state(streaming("db1", "db2"), primary("db2"), streaming("db3", "db2"), replica()), "db1"));
    }

    @Test
    void with_the_switched_over_primary_cleanly_stopped_the_node_configured_as_primary_is_fenced_never_the_target() {
        // the lab's case: db2 (primary since a switchover) stopped cleanly, db1 its standby; failover --to db1
        ClusterState s = state(notStreaming("db1", 2), down("db2", false), notStreaming("db3", 2), replica());
        FenceChoice.Decision d = FenceChoice.choose(s, "db1");
        fences("db2", d);
        assertTrue(d.reason().contains("no standby.signal"), d.reason());
        FenceChoice.Decision same = FenceChoice.decide(s, "db1", "db2", null);
        assertEquals(d, same, "the node the command chose, checked again in preflight, keeps its reason");
    }

    @Test
    void a_killed_master_configured_as_primary_is_fenced() {
        fences("db1", FenceChoice.choose(state(down("db1", false), notStreaming("db2", 1), notStreaming("db3", 1), replica()), "db2"));
    }

    @Test
    void an_unreachable_master_is_fenced_when_no_node_is_known_to_be_configured_as_primary() {
        FenceChoice.Decision d = FenceChoice.choose(state(unknown("db1"), notStreaming("db2", 1), notStreaming("db3", 1), replica()), "db2");
        fences("db1", d);
        assertTrue(d.reason().contains("MASTER db1 is unreachable"), d.reason());
    }

    @Test
    void the_master_is_never_the_fallback_when_it_is_the_target_and_an_unreachable_slave_cannot_be_told() {
        refused(FenceChoice.choose(state(notStreaming("db1", 2), unknown("db2"), notStreaming("db3", 2), replica()), "db1"),
                "cannot be told", "db2 unreachable", "--from HOST");
    }

    @Test
    void a_down_master_with_standby_signal_was_a_standby_and_is_not_the_fallback() {
        refused(FenceChoice.choose(state(down("db1", true), notStreaming("db2", 2), unknown("db3"), replica()), "db2"),
                "cannot be told");
    }

    @Test
    void two_down_nodes_configured_as_primary_cannot_be_told_apart_unless_named() {
        ClusterState s = state(down("db1", false), down("db2", false), notStreaming("db3", 2), replica());
        refused(FenceChoice.choose(s, "db3"), "db1, db2", "--from HOST");
        fences("db2", FenceChoice.decide(s, "db3", "db2", null));
    }

    @Test
    void from_a_streaming_standby_while_another_node_is_primary_is_refused_naming_the_real_primary() {
        ClusterState s = state(streaming("db1", "db2"), primary("db2"), streaming("db3", "db2"), replica());
        refused(FenceChoice.decide(s, "db1", "db3", null), "db3 is not the old primary", "streaming standby of db2",
                "the live primary is db2", "--from db2");
    }

    @Test
    void from_the_target_is_refused_naming_the_real_primary() {
        ClusterState s = state(streaming("db1", "db2"), primary("db2"), streaming("db3", "db2"), replica());
        refused(FenceChoice.decide(s, "db1", "db1", null), "db1 is the failover target", "the live primary is db2");
    }

    @Test
    void from_the_target_is_refused_when_there_is_no_live_primary_too() {
        ClusterState s = state(notStreaming("db1", 2), down("db2", false), notStreaming("db3", 2), replica());
        refused(FenceChoice.decide(s, "db1", "db1", null), "db1 is the failover target", "the last one was db2", "--from db2");
    }

    @Test
    void from_the_live_primary_is_accepted() {
        fences("db2", FenceChoice.decide(state(streaming("db1", "db2"), primary("db2"), streaming("db3", "db2"), replica()), "db1", "db2", ""));
    }

    @Test
    void with_no_live_primary_from_may_name_an_unreachable_or_down_node_that_is_no_standby() {
        ClusterState s = state(unknown("db1"), notStreaming("db2", 1), down("db3", false), replica());
        fences("db1", FenceChoice.decide(s, "db2", "db1", null));
        fences("db3", FenceChoice.decide(s, "db2", "db3", null));
    }

    @Test
    void with_no_live_primary_from_naming_a_standby_is_refused() {
        ClusterState s = state(down("db1", false), notStreaming("db2", 1), notStreaming("db3", 1), replica());
        refused(FenceChoice.decide(s, "db2", "db3", null), "db3 is not the old primary", "the last one was db1");
        refused(FenceChoice.decide(state(down("db1", false), notStreaming("db2", 1), down("db3", true), replica()), "db2", "db3", null),
                "with standby.signal");
        refused(FenceChoice.decide(s, "db2", "db4", null), "db4 is not the old primary", "logical REPLICA");
    }

    @Test
    void two_live_primaries_besides_the_target_are_refused() {
        refused(FenceChoice.choose(state(primary("db1"), notStreaming("db2", 1), primary("db3"), replica()), "db2"),
                "db1, db3", "split brain");
    }

    @Test
    void a_target_that_is_already_the_live_primary_is_refused() {
        refused(FenceChoice.choose(state(down("db1", false), primary("db2"), streaming("db3", "db2"), replica()), "db2"),
                "db2 is already the live primary");
    }

    @Test
    void the_node_confirmed_as_fenced_must_be_the_node_fenced() {
        ClusterState s = state(unknown("db1"), notStreaming("db2", 1), notStreaming("db3", 1), replica());
        refused(FenceChoice.decide(s, "db2", null, "db3"), "(db3) is not the node this failover fences (db1)", "--fenced db1");
        fences("db1", FenceChoice.decide(s, "db2", null, "db1"));
    }

    @Test
    void a_healthy_primary_is_the_one_live_primary_besides_the_target() {
        assertEquals("db1", FenceChoice.healthyPrimary(state(primary("db1"), streaming("db2", "db1"), streaming("db3", "db1"), replica()), "db2")
                .orElseThrow().name());
        assertTrue(FenceChoice.healthyPrimary(state(down("db1", false), notStreaming("db2", 1), notStreaming("db3", 1), replica()), "db2").isEmpty());
    }
}
