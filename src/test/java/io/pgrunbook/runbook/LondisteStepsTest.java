package io.pgrunbook.runbook;

import io.pgrunbook.action.Registry;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.InventoryLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Londiste steps of the shipped runbooks: on a Londiste REPLICA only, and absent from the plans of every other site. */
class LondisteStepsTest {
    @TempDir
    Path dir;

    private final RunbookLoader loader = new RunbookLoader(Registry.builtins());
    private final Planner planner = new Planner(Registry.builtins());

    private Cluster cluster(boolean londiste) {
        String yaml = Fixtures.inventoryYaml(dir.resolve("hooks.log"));
        if (londiste) {
            yaml = yaml.replace("replication: {kind: logical, database: app, subscription: app_sub}",
                    "replication: {kind: londiste, database: app, ini: /etc/londiste/db4.ini, queue: app_q, node: node4,"
                            + " ticker: {ini: \"/etc/pgqd-{host}.ini\"}}");
        }
        return new InventoryLoader(Map.of("HOME", dir.toString())).parse(dir.resolve("inventory.yaml"), yaml).cluster("lab");
    }

    private List<String> stepNames(String runbook, boolean londiste, Map<String, String> params) {
        Runbook rb = loader.resolve(runbook, dir);
        return planner.plan(rb, cluster(londiste), Fixtures.state("db1"), params).steps().stream().map(PlannedStep::name).toList();
    }

    @Test
    void a_site_without_a_londiste_replica_sees_no_londiste_or_pgq_step_in_switchover_failover_or_remedy() {
        for (String rb : List.of("switchover", "failover", "remedy")) {
            Map<String, String> params = switch (rb) {
                case "switchover" -> Map.of("to", "db2");
                case "failover" -> Map.of("to", "db2", "from", "db1");
                default -> Map.of("node", "db1", "upstream", "db1", "replica", "db4", "pgbouncer_to", "db1");
            };
            List<String> names = stepNames(rb, false, params);
            assertTrue(names.stream().noneMatch(n -> n.contains("Londiste") || n.contains("PgQ")), rb + ": " + names);
        }
    }

    @Test
    void switchover_on_a_londiste_site_moves_the_ticker_then_repoints_the_provider_and_waits_for_the_worker() {
        List<String> names = stepNames("switchover", true, Map.of("to", "db2"));
        int stopTicker = names.indexOf("Stop the PgQ ticker on the old primary (events written until the stop are ticked on the new primary)");
        int stopPrimary = names.indexOf("Stop the old primary cleanly");
        int promote = names.indexOf("Promote the target and wait until it accepts writes");
        int startTicker = names.indexOf("Start the PgQ ticker on the new primary");
        int repoint = names.indexOf("Point the Londiste REPLICA's provider at the new primary and restart its worker");
        int fed = names.indexOf("Wait until the Londiste REPLICA's worker reads from the new primary");
        assertTrue(stopTicker >= 0 && stopTicker < stopPrimary && promote < startTicker && startTicker < repoint && repoint < fed, names::toString);
    }

    @Test
    void native_replica_steps_leave_a_londiste_replica_alone() {
        Plan p = planner.plan(loader.resolve("switchover", dir), cluster(true), Fixtures.state("db1"), Map.of("to", "db2"));
        for (PlannedStep s : p.steps()) {
            if (s.type() != null && s.type().startsWith("replica.")) {
                assertEquals(List.of(), s.hosts(), s.name());
            }
            if (s.type() != null && s.type().startsWith("londiste.")) {
                assertEquals(List.of("db4"), s.hosts(), s.name());
            }
        }
    }

    @Test
    void londiste_only_steps_are_the_londiste_and_pgq_actions_and_the_steps_on_londiste() {
        Runbook sw = loader.resolve("switchover", dir);
        long n = sw.steps().stream().filter(PartFilter::londisteOnly).count();
        assertEquals(5, n, "ticker stop, ticker start, repoint, wait, the note of leave_replica");
        assertFalse(sw.steps().stream().filter(s -> "replica.follow".equals(s.target())).anyMatch(PartFilter::londisteOnly));
    }

    @Test
    void repair_londiste_truncates_only_in_its_destructive_resync_step_after_a_read_only_proof() {
        Runbook rb = loader.resolve("repair-londiste", dir);
        assertEquals(List.of("londiste.resync"), rb.steps().stream().filter(Step::destructive).map(Step::target).toList());
        assertTrue(rb.preflight().stream().anyMatch(s -> s.target().equals("londiste-resync")));
    }
}
