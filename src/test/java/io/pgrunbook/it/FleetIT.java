package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * `status --all-clusters` on one real lab named by three clusters: alpha (the lab as it is), beta (the same servers
 * through a relay at another port, since one address:port belongs to one cluster, plus a BCP where nothing listens)
 * and gone (four addresses where nothing listens). One line per cluster, worst first, exit code of the worst.
 */
class FleetIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final int RELAY_PORT = 25432;
    private static LabFixture lab;
    private static final List<DelayRelay> relays = new ArrayList<>();
    private static Path fleet;

    @BeforeAll
    static void up() throws Exception {
        lab = LabFixture.start("fleet", LabNets.FLEET.base(), false);
        ObjectNode root = (ObjectNode) YAML.readTree(lab.inventory().toFile());
        ObjectNode labCluster = (ObjectNode) root.get("clusters").get("lab");
        labCluster.remove("drill");
        String net = lab.address("db1").substring(0, lab.address("db1").lastIndexOf('.') + 1);
        ObjectNode clusters = root.putObject("clusters");
        clusters.set("alpha", labCluster.deepCopy());
        ObjectNode beta = labCluster.deepCopy();
        for (Iterator<Map.Entry<String, JsonNode>> it = beta.with("hosts").fields(); it.hasNext(); ) {
            ObjectNode h = (ObjectNode) it.next().getValue();
            relays.add(new DelayRelay(h.get("address").asText(), RELAY_PORT, h.get("address").asText(), 5432, Duration.ZERO));
            h.with("postgres").put("port", RELAY_PORT);
        }
        beta.with("hosts").set("db5", nowhere(net + "55", "BCP", "db5"));
        clusters.set("beta", beta);
        ObjectNode gone = clusters.putObject("gone").putObject("hosts");
        String[] roles = {"MASTER", "SLAVE", "BCP", "REPLICA"};
        for (int i = 0; i < 4; i++) {
            ObjectNode h = nowhere(net + (51 + i), roles[i], "db" + (i + 1));
            if (i == 3) {
                h.putObject("replication").put("kind", "logical").put("database", "app").put("subscription", "app_sub");
            }
            gone.set("db" + (i + 1), h);
        }
        fleet = lab.dir().resolve("fleet.yaml");
        YAML.writeValue(fleet.toFile(), root);
    }

    /** A host at an address of the lab's network where nothing listens, with no data directory. */
    private static ObjectNode nowhere(String address, String role, String name) {
        ObjectNode h = YAML.createObjectNode().put("address", address).put("role", role);
        h.putObject("postgres").put("data_dir", "/nonexistent/fleet/" + name);
        return h;
    }

    @AfterAll
    static void down() {
        relays.forEach(DelayRelay::close);
        if (lab != null) {
            lab.stop();
        }
    }

    @Test
    void one_line_per_cluster_worst_first_in_every_format_with_the_worst_exit_code() throws Exception {
        CliRunner.Result t = CliRunner.run("-i", fleet.toString(), "--no-color", "status", "--all-clusters").expect(2);
        List<String> lines = t.out().lines().toList();
        assertTrue(lines.get(0).matches("3 clusters probed in \\d+ ms \\(at most 32 hosts at a time\\): 1 NO_PRIMARY, 1 DEGRADED, 1 HEALTHY"), t::toString);
        assertTrue(lines.get(2).matches("gone +NO_PRIMARY +- +0/4 +- +no live primary: db1 \\(MASTER\\) is down.* +\\S*pgrunbook -i \\S+ -c gone remedy db1"), t::toString);
        assertTrue(lines.get(3).matches("beta +DEGRADED +db1 +4/5 +[0-9.]+ k?B +db5 \\(BCP\\) is down.*"), t::toString);
        assertTrue(lines.get(4).matches("alpha +HEALTHY +db1 +4/4 +[0-9.]+ k?B +- +-"), t::toString);
        assertEquals(5, lines.size(), t::toString);

        JsonNode j = JSON.readTree(CliRunner.run("-i", fleet.toString(), "status", "--all-clusters", "-o", "json", "--parallel", "2").expect(2).out());
        assertEquals("NO_PRIMARY", j.get("verdict").asText());
        assertEquals(2, j.get("parallel").asInt());
        List<String> order = new ArrayList<>();
        j.get("clusters").forEach(c -> order.add(c.get("cluster").asText() + " " + c.get("verdict").asText() + " "
                + c.get("hosts_up").asInt() + "/" + c.get("hosts_total").asInt()));
        assertEquals(List.of("gone NO_PRIMARY 0/4", "beta DEGRADED 4/5", "alpha HEALTHY 4/4"), order);
        JsonNode alpha = j.get("clusters").get(2);
        // the object of `status -o json -c alpha`, the same fields in the same order, then the fleet's four
        JsonNode single = JSON.readTree(CliRunner.run("-i", fleet.toString(), "-c", "alpha", "status", "-o", "json").expect(0).out());
        List<String> expected = names(single);
        expected.addAll(List.of("hosts_up", "hosts_total", "worst_lag_bytes", "reason"));
        assertEquals(expected, names(alpha));
        assertEquals(single.get("hosts"), alpha.get("hosts"));
        assertEquals("db1", j.get("clusters").get(1).get("primary").asText());
        assertTrue(j.get("clusters").get(0).get("next").asText().endsWith(" -c gone remedy db1"), j::toPrettyString);

        CliRunner.Result n = CliRunner.run("-i", fleet.toString(), "status", "--all-clusters", "-o", "nagios").expect(2);
        assertTrue(n.out().startsWith("PGRUNBOOK CRITICAL - 3 clusters: 1 NO_PRIMARY, 1 DEGRADED, 1 HEALTHY; worst cluster gone: NO_PRIMARY"), n::toString);
        assertEquals(3, n.out().strip().lines().count(), n::toString);

        CliRunner.run("-i", fleet.toString(), "-c", "alpha", "status", "--all-clusters").expect(64);
        // a monitoring agent understands 0 to 3 only: a wrong option is an UNKNOWN line too
        CliRunner.Result u = CliRunner.run("-i", fleet.toString(), "-c", "alpha", "status", "--all-clusters", "-o", "nagios").expect(3);
        assertTrue(u.out().startsWith("PGRUNBOOK UNKNOWN - --all-clusters probes every cluster"), u::toString);
    }

    private static List<String> names(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
