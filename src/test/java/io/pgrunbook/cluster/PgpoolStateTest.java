package io.pgrunbook.cluster;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.pgpool.Pcp;
import io.pgrunbook.pgpool.PgpoolNode;
import io.pgrunbook.inventory.InventoryLoader;
import io.pgrunbook.inventory.Role;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PgpoolStateTest {
    private final Cluster cluster = new InventoryLoader(Map.of()).parse(Path.of("inv.yaml"), """
            version: 1
            clusters:
              lab:
                hosts:
                  db1: {address: 10.0.0.1, role: MASTER}
                  db2: {address: 10.0.0.2, role: SLAVE}
                  db3: {address: 10.0.0.3, role: BCP}
                pgpool: [{host: db1, node_ids: {db3: 2}}]
            """).cluster(null);

    private static NodeState node(String name, Role role, LiveState st) {
        return new NodeState(name, "10.0.0." + name.substring(2), role, st, 1, "0/3000148", null, null, 0L, false, null,
                null, Map.of(), null, 150000, "15.0", List.of(), List.of(), null, null, 3,
                st == LiveState.STANDBY ? "streaming" : null, null);
    }

    private ClusterState live(String primary) {
        return new ClusterState("lab", Verdict.HEALTHY, primary, List.of(
                node("db1", Role.MASTER, primary.equals("db1") ? LiveState.PRIMARY : LiveState.STANDBY),
                node("db2", Role.SLAVE, primary.equals("db2") ? LiveState.PRIMARY : LiveState.STANDBY),
                node("db3", Role.BCP, LiveState.STANDBY)), List.of(), Instant.now(), 5);
    }

    @Test
    void agreement_keeps_the_verdict_and_adds_no_note() {
        ClusterState s = PgpoolState.judge(cluster, live("db1"), List.of(PgpoolState.view(cluster, cluster.pgpools().get(0),
                Pcp.parse("""
                        10.0.0.1 5432 2 0.33 up up primary primary 0 none none 2026-11-30 08:50:08
                        10.0.0.2 5432 2 0.33 up up standby standby 0 streaming async 2026-11-30 08:50:08
                        10.0.0.3 5432 1 0.33 waiting up standby standby 0 streaming async 2026-11-30 08:50:08
                        """))));
        assertEquals(Verdict.HEALTHY, s.verdict());
        assertTrue(s.notes().isEmpty(), s.notes()::toString);
        assertEquals("db3", s.pgpools().get(0).backends().get(2).host());
        assertEquals("standby", s.pgpools().get(0).backends().get(2).live());
    }

    @Test
    void a_detached_standby_and_a_stale_primary_make_it_degraded_with_the_fix() {
        ClusterState s = PgpoolState.judge(cluster, live("db2"), List.of(PgpoolState.view(cluster, cluster.pgpools().get(0),
                Pcp.parse("""
                        10.0.0.1 5432 2 0.33 up up primary primary 0 none none 2026-11-30 08:50:08
                        10.0.0.2 5432 2 0.33 up up standby standby 0 streaming async 2026-11-30 08:50:08
                        10.0.0.3 5432 3 0.33 down up standby standby 0 streaming async 2026-11-30 08:50:08
                        """))));
        assertEquals(Verdict.DEGRADED, s.verdict());
        assertTrue(s.notes().contains("pgpool@db1:9999: its primary is db1, the live primary is db2: writes through it fail;"
                + " fix with: pgrunbook run pgpool-sync"), s.notes()::toString);
        assertTrue(s.notes().contains("pgpool@db1:9999: db3 (node 2) is detached (down) though it streams; attach it with:"
                + " pgrunbook run pgpool-sync"), s.notes()::toString);
    }

    @Test
    void node_ids_that_point_elsewhere_and_an_unanswering_pcp_are_differences() {
        ClusterState s = PgpoolState.judge(cluster, live("db1"), List.of(PgpoolState.view(cluster, cluster.pgpools().get(0),
                Pcp.parse("""
                        10.0.0.1 5432 2 0.5 up up primary primary 0 none none 2026-11-30 08:50:08
                        10.0.0.2 5432 2 0.5 up up standby standby 0 streaming async 2026-11-30 08:50:08
                        """))));
        assertTrue(s.notes().stream().anyMatch(n -> n.contains("node_ids make db3 node 2, but its node 2 is missing")), s.notes()::toString);
        ClusterState down = PgpoolState.judge(cluster, live("db1"), List.of(new PgpoolState("pgpool@db1:9999", "10.0.0.1", 9999,
                "pcp_node_info failed (exit 1): connection refused", List.of(), List.of())));
        assertEquals(Verdict.DEGRADED, down.verdict());
        assertTrue(down.notes().get(0).contains("cannot ask it"), down.notes()::toString);
    }
}
