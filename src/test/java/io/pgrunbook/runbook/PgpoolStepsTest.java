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
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped runbooks' pgpool steps: there only when the inventory has pgpool, on the right hosts. */
class PgpoolStepsTest {
    @TempDir
    Path dir;

    private final Planner planner = new Planner(Registry.builtins());

    private Cluster cluster(boolean pgpool) {
        String yaml = Fixtures.inventoryYaml(dir.resolve("hooks.log")) + (pgpool ? "    pgpool: [{host: db1, pcp_user: pcpadmin}]\n" : "");
        return new InventoryLoader(Map.of("HOME", dir.toString())).parse(dir.resolve("inventory.yaml"), yaml).cluster("lab");
    }

    private Plan switchover(boolean pgpool) {
        Runbook rb = new RunbookLoader(Registry.builtins()).load(Path.of("runbooks/switchover.yaml").toAbsolutePath());
        return planner.plan(rb, cluster(pgpool), Fixtures.state("db1"), Map.of("to", "db2"));
    }

    private static List<PlannedStep> pgpoolSteps(Plan p) {
        return p.steps().stream().filter(s -> s.type().startsWith("pgpool.")).toList();
    }

    @Test
    void a_cluster_without_pgpool_sees_no_pgpool_step_not_even_a_skipped_one() {
        Plan without = switchover(false);
        assertTrue(pgpoolSteps(without).isEmpty());
        assertTrue(without.steps().stream().noneMatch(s -> s.name().toLowerCase().contains("pgpool")));
        assertEquals(switchover(true).steps().size() - 3, without.steps().size());
    }

    @Test
    void switchover_detaches_the_old_primary_before_its_stop_promotes_the_target_and_attaches_the_rest() {
        Plan p = switchover(true);
        List<PlannedStep> steps = pgpoolSteps(p);
        assertEquals(List.of("pgpool.detach", "pgpool.promote", "pgpool.attach"), steps.stream().map(PlannedStep::type).toList());
        assertEquals(List.of("db1"), steps.get(0).hosts());
        assertEquals(List.of("db2"), steps.get(1).hosts());
        assertEquals(List.of("db1", "db3"), steps.get(2).hosts());
        int stop = p.steps().stream().filter(s -> s.type().equals("postgres.stop")).findFirst().orElseThrow().number();
        assertEquals(stop - 1, steps.get(0).number(), "detached right before the stop");
        String cmd = String.join("\n", steps.get(0).targets().get(0).commands());
        assertTrue(cmd.contains("pcp_detach_node -h 127.0.0.1 -p 9898 -U pcpadmin -w -n"), cmd);
    }
}
