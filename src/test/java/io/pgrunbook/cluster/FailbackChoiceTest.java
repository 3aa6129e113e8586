package io.pgrunbook.cluster;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.Stream;

import static io.pgrunbook.cluster.RemedyFixtures.down;
import static io.pgrunbook.cluster.RemedyFixtures.notStreaming;
import static io.pgrunbook.cluster.RemedyFixtures.primary;
import static io.pgrunbook.cluster.RemedyFixtures.replica;
import static io.pgrunbook.cluster.RemedyFixtures.state;
import static io.pgrunbook.cluster.RemedyFixtures.streaming;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which primary a failback rejoins, and whether the target is stopped first (split brain). */
class FailbackChoiceTest {
    /** The node with its PgBouncer pointing at {@code to}. */
    private static NodeState pgbouncer(NodeState n, String to) {
        return NodeStateBuilder.from(n).pgbouncerTarget(to).pgbouncerTargets(null).build();
    }

    private static void refused(FailbackChoice.Decision d, String... words) {
        assertTrue(d.refused(), () -> "not refused: " + d.upstream() + " " + d.reason());
        String text = d.refusal() + " / " + d.hint();
        Stream.of(words).forEach(w -> assertTrue(text.contains(w), () -> "'" + w + "' not in: " + text));
        assertFalse(text.contains("null") || text.contains(".yaml"), text);
    }

    @Test
    void a_stopped_old_master_rejoins_the_live_primary_without_a_stop() {
        FailbackChoice.Decision d = FailbackChoice.decide(state(down("db1", false), primary("db2"), streaming("db3", "db2"), replica()), "db1");
        assertEquals("db2", d.upstream());
        assertFalse(d.stopFirst());
    }

    @Test
    void in_split_brain_the_master_beside_the_promoted_slave_is_stopped_first_and_rejoins_the_slave() {
        // PgBouncer was never repointed (db2 was promoted behind the tool's back): the SLAVE still wins
        ClusterState s = state(pgbouncer(primary("db1"), "db1"), pgbouncer(primary("db2"), "db1"), notStreaming("db3", 1), replica());
        FailbackChoice.Decision d = FailbackChoice.decide(s, "db1");
        assertEquals("db2", d.upstream(), d::toString);
        assertTrue(d.stopFirst());
        assertTrue(d.reason().contains("the SLAVE wins") && d.reason().contains("sends clients to db1"), d.reason());
    }

    @Test
    void in_split_brain_the_slave_is_kept_and_its_failback_refused_naming_the_master() {
        refused(FailbackChoice.decide(state(primary("db1"), primary("db2"), notStreaming("db3", 1), replica()), "db2"),
                "the SLAVE wins", "pgrunbook failback db1");
    }

    @Test
    void beside_a_bcp_the_side_every_pgbouncer_points_at_wins_else_it_cannot_be_told() {
        ClusterState pointed = state(pgbouncer(primary("db1"), "db3"), pgbouncer(notStreaming("db2", 1), "db3"), primary("db3"), replica());
        FailbackChoice.Decision d = FailbackChoice.decide(pointed, "db1");
        assertEquals("db3", d.upstream(), d::toString);
        assertTrue(d.stopFirst());
        refused(FailbackChoice.decide(state(primary("db1"), notStreaming("db2", 1), primary("db3"), replica()), "db1"),
                "cannot be told", "no PgBouncer");
        refused(FailbackChoice.decide(state(pgbouncer(primary("db1"), "db1"), notStreaming("db2", 1), primary("db3"), replica()), "db1"),
                "cannot be told", "sends clients to db1");
    }

    @Test
    void nothing_to_fail_back_to_or_from_is_refused_with_the_command_to_run() {
        refused(FailbackChoice.decide(state(primary("db1"), streaming("db2", "db1"), streaming("db3", "db1"), replica()), "db1"),
                "db1 is the live primary", "switchover");
        refused(FailbackChoice.decide(state(down("db1", false), notStreaming("db2", 1), notStreaming("db3", 1), replica()), "db1"),
                "no live primary", "pgrunbook failover --to HOST");
        refused(FailbackChoice.decide(state(primary("db1"), primary("db2"), primary("db3"), replica()), "db1"),
                "db2, db3 all run as primary, and db1 too");
        refused(FailbackChoice.decide(state(List.of(down("db1", false), primary("db2"), replica()).toArray(NodeState[]::new)), "db4"),
                "REPLICA", "repair-replica db4");
    }
}
