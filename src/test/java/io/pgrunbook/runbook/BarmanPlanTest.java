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

class BarmanPlanTest {
    @TempDir
    Path dir;

    private final RunbookLoader loader = new RunbookLoader(Registry.builtins());
    private final Planner planner = new Planner(Registry.builtins());

    private Cluster cluster(String extra) {
        String yaml = Fixtures.inventoryYaml(dir.resolve("hooks.log")) + extra;
        return new InventoryLoader(Map.of("HOME", dir.toString())).parse(dir.resolve("inventory.yaml"), yaml).cluster("lab");
    }

    private Plan failover(Cluster c) {
        Runbook rb = loader.load(Path.of("runbooks/failover.yaml").toAbsolutePath());
        return planner.plan(rb, c, Fixtures.state("db1"), Map.of("to", "db2", "from", "db1"));
    }

    private static List<String> actions(Plan p) {
        return p.steps().stream().map(PlannedStep::type).toList();
    }

    @Test
    void a_cluster_without_barman_gets_no_barman_step_and_the_same_numbers() {
        Plan p = failover(cluster(""));
        assertTrue(actions(p).stream().noneMatch(a -> a.startsWith("barman")), actions(p).toString());
        for (int i = 0; i < p.steps().size(); i++) {
            assertEquals(i + 1, p.steps().get(i).number());
        }
    }

    @Test
    void with_barman_the_failover_repoints_it_on_the_barman_host_to_the_target() {
        Plan p = failover(cluster("    barman: {host: bk1.example.com, server: lab, user: barman, config: /etc/barman.d/lab.conf}\n"));
        PlannedStep s = p.steps().stream().filter(x -> x.type().equals("barman.repoint")).findFirst().orElseThrow();
        assertEquals(List.of("barman"), s.hosts());
        String text = String.join("\n", s.targets().get(0).commands());
        assertTrue(text.contains("(as barman) in /etc/barman.d/lab.conf [lab]: conninfo and streaming_conninfo to host=127.0.0.2 port=5432"), text);
        assertTrue(text.contains("barman -c /etc/barman.conf check lab"), text);
    }
}
