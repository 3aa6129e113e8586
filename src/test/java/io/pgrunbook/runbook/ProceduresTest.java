package io.pgrunbook.runbook;

import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.core.Outcome;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The procedures of several runs decide on the outcome of each run, whatever renders them. */
class ProceduresTest {
    private final List<String> ran = new ArrayList<>();
    private final StringWriter said = new StringWriter();

    private Procedures procedures(boolean dryRun, Outcome... outcomes) {
        Deque<Outcome> next = new ArrayDeque<>(List.of(outcomes));
        return new Procedures((runbook, params) -> {
            ran.add(runbook + " " + new java.util.TreeMap<>(params));
            return next.removeFirst();
        }, new PrintWriter(said), dryRun);
    }

    private static final Map<String, String> FAILBACK = Map.of("target", "db1", "upstream", "db2", "stop_first", "false");
    private final ClusterState withPrimary = Fixtures.state("db2");

    @Test
    void a_refused_failback_falls_back_to_a_rebuild_from_the_live_primary() throws Exception {
        assertEquals(Outcome.OK, procedures(false, Outcome.REFUSED, Outcome.OK).failbackOrRebuild("db1", FAILBACK, withPrimary));
        assertEquals(List.of("failback " + new java.util.TreeMap<>(FAILBACK), "rebuild {from=db2, target=db1}"), ran);
        assertTrue(said.toString().contains("the failback was refused"), said.toString());
    }

    @Test
    void a_failed_failback_falls_back_to_a_rebuild_but_not_in_a_dry_run() throws Exception {
        assertEquals(Outcome.FAILED, procedures(false, Outcome.FAILED, Outcome.FAILED).failbackOrRebuild("db1", FAILBACK, withPrimary));
        assertEquals(2, ran.size());
        ran.clear();
        assertEquals(Outcome.FAILED, procedures(true, Outcome.FAILED).failbackOrRebuild("db1", FAILBACK, withPrimary));
        assertEquals(1, ran.size(), "a dry-run's failed plan is no reason to plan a rebuild");
    }

    @Test
    void a_failback_that_worked_or_was_aborted_is_not_followed_by_a_rebuild() throws Exception {
        assertEquals(Outcome.OK, procedures(false, Outcome.OK).failbackOrRebuild("db1", FAILBACK, withPrimary));
        assertEquals(Outcome.ABORTED, procedures(false, Outcome.ABORTED).failbackOrRebuild("db1", FAILBACK, withPrimary));
        assertEquals(2, ran.size());
    }

    @Test
    void failback_then_switchover_switches_back_only_after_a_failback_that_worked() throws Exception {
        assertEquals(Outcome.OK, procedures(false, Outcome.OK, Outcome.OK).failbackThenSwitchover("db1", FAILBACK, true));
        assertEquals("switchover {to=db1}", ran.get(1));
        ran.clear();
        assertEquals(Outcome.FAILED, procedures(false, Outcome.FAILED).failbackThenSwitchover("db1", FAILBACK, true));
        assertEquals(1, ran.size());
        ran.clear();
        assertEquals(Outcome.OK, procedures(true, Outcome.OK).failbackThenSwitchover("db1", FAILBACK, true));
        assertEquals(1, ran.size(), "a dry-run only says what would follow");
        assertTrue(said.toString().contains("Then, with --switchover: runbook switchover --param to=db1"), said.toString());
    }

    @Test
    void the_node_to_fence_is_the_one_named_when_the_operator_names_it() {
        assertEquals(Map.of("to", "db2", "from", "db3"), Procedures.failoverTarget(withPrimary, "db2", "db3"));
        assertEquals(Map.of("to", "db2", "from", "db1"), Procedures.failoverTarget(Fixtures.state("db1"), "db2", null),
                "the live primary, when the operator names none");
    }
}
