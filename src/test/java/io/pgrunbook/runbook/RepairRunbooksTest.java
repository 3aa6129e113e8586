package io.pgrunbook.runbook;

import io.pgrunbook.action.Registry;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped runbooks of rebuild, failback and repair-replica, and the Londiste example, load and are guarded. */
class RepairRunbooksTest {
    private final RunbookLoader loader = new RunbookLoader(Registry.builtins());

    private Runbook shipped(String name) {
        return loader.resolve(name, Path.of("src/test/java").toAbsolutePath());
    }

    @Test
    void rebuild_is_guarded_in_preflight_and_its_copy_steps_are_destructive() {
        Runbook rb = shipped("rebuild");
        assertEquals(List.of("rebuild-target", "rebuild-source", "target-ready"), rb.preflight().stream().map(Step::target).toList());
        List<Step> destructive = rb.steps().stream().filter(Step::destructive).toList();
        assertEquals(List.of("rebuild.basebackup", "rebuild.rsync", "rebuild.discard-old"), destructive.stream().map(Step::target).toList());
    }

    @Test
    void rebuild_from_barman_is_guarded_like_the_other_methods_and_checks_the_backup_first() {
        Runbook rb = shipped("rebuild-barman");
        assertEquals(List.of("rebuild-target", "rebuild-source", "barman-backup", "target-ready"),
                rb.preflight().stream().map(Step::target).toList());
        assertEquals(List.of("rebuild.barman", "rebuild.discard-old"), rb.steps().stream().filter(Step::destructive).map(Step::target).toList());
    }

    @Test
    void failback_checkpoints_the_new_primary_before_the_destructive_rewind() {
        Runbook rb = shipped("failback");
        List<String> steps = rb.steps().stream().map(s -> s.target() != null ? s.target() : s.kind().key()).toList();
        // vip.move and pgbouncer.point-readonly are planned only where the inventory has a vip or read-only routes
        assertEquals(List.of("postgres.stop", "pgbouncer.point", "vip.move", "failback.report", "sql", "failback.rewind",
                        "standby.follow", "pgpool.attach", "slots.cleanup", "pgbouncer.point-readonly", "barman.repoint"),
                steps.stream().map(s -> s.equals("psql") ? "sql" : s).toList());
        assertTrue(rb.steps().get(5).destructive());
        assertEquals(List.of("failback-target", "target-ready"), rb.preflight().stream().map(Step::target).toList());
    }

    @Test
    void failback_stops_a_split_brain_target_only_as_a_destructive_step_and_only_when_asked() {
        Step stop = shipped("failback").steps().get(0);
        assertEquals("postgres.stop", stop.target());
        assertTrue(stop.destructive());
        assertEquals("{{stop_first}}", stop.when().source());
    }

    @Test
    void repair_replica_truncates_only_in_a_destructive_step() {
        Runbook rb = shipped("repair-replica");
        assertEquals(List.of("replica.truncate"), rb.steps().stream().filter(Step::destructive).map(Step::target).toList());
        assertTrue(rb.preflight().stream().anyMatch(s -> s.target().equals("replica-recopy")), "the re-copy is proven before the TRUNCATE");
        List<String> steps = rb.steps().stream().map(Step::target).toList();
        assertTrue(steps.indexOf("replica.create-tables") < steps.indexOf("replica.truncate"), steps::toString);
    }

    @Test
    void the_londiste_example_is_a_valid_runbook() {
        Runbook rb = loader.load(Path.of("runbooks/londiste-repair.example.yaml"));
        assertEquals("londiste-repair", rb.name());
        assertTrue(rb.steps().stream().anyMatch(Step::destructive));
    }

    @Test
    void failover_preflight_checks_the_node_to_fence_and_a_healthy_primary_so_a_dry_run_shows_them() {
        Runbook rb = shipped("failover");
        assertEquals(List.of("failover-candidate", "fence-target", "no-healthy-primary", "pgbouncer-consoles"), rb.preflight().stream().map(Step::target).toList());
    }

    @Test
    void switchover_checks_the_replica_feed_before_the_pause_and_skips_the_replica_steps_when_it_is_left() {
        Runbook rb = shipped("switchover");
        assertTrue(rb.preflight().stream().anyMatch(s -> s.target().equals("replica-feed")));
        for (Step s : rb.steps()) {
            boolean replica = s.target() != null && (s.target().startsWith("replica") || s.target().equals("logical.wait-confirmed"));
            if (replica) {
                assertEquals("not {{leave_replica}}", s.when().source(), s.name());
            }
        }
        Step last = rb.steps().get(rb.steps().size() - 1);
        assertEquals("{{leave_replica}}", last.when().source());
        assertTrue(last.text().source().contains("pgrunbook repair-replica {{host}}"), last.text().source());
    }
}
