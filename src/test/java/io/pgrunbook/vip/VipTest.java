package io.pgrunbook.vip;

import io.pgrunbook.action.Registry;
import io.pgrunbook.action.Result;
import io.pgrunbook.action.StepContext;
import io.pgrunbook.action.StepRuntime;
import io.pgrunbook.action.VipMoveAction;
import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.LiveState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.cluster.Verdict;
import io.pgrunbook.cluster.VipVerdict;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.InventoryException;
import io.pgrunbook.inventory.InventoryLoader;
import io.pgrunbook.inventory.Role;
import io.pgrunbook.inventory.Vip;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Transport;
import io.pgrunbook.remote.TransportException;
import io.pgrunbook.runbook.Plan;
import io.pgrunbook.runbook.Planner;
import io.pgrunbook.runbook.RunbookLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VipTest {
    private static final String HOSTS = """
            defaults: {transport: local}
            clusters:
              c:
                hosts:
                  db1: {address: 10.0.0.1, role: MASTER, pgbouncer: true}
                  db2: {address: 10.0.0.2, role: SLAVE, pgbouncer: true, vip: {interface: bond0}}
                  db3: {address: 10.0.0.3, role: BCP}
            """;

    @TempDir
    Path dir;

    private static Cluster parse(String yaml) {
        return new InventoryLoader(Map.of("HOME", "/h")).parse(Path.of("inv.yaml"), yaml).cluster(null);
    }

    private static Cluster withVip(String vip) {
        return parse(HOSTS + "    vip: " + vip + "\n");
    }

    @Test
    void vip_keys_are_read_with_their_defaults_and_a_per_host_interface() {
        Cluster c = withVip("{address: 10.0.0.100/24, interface: eth0}");
        Vip v = c.vip();
        assertEquals("10.0.0.100/24", v.cidr());
        assertEquals(Vip.Follows.PRIMARY, v.follows());
        assertTrue(v.arping());
        assertEquals("eth0", v.interfaceOf(c.host("db1").orElseThrow()));
        assertEquals("bond0", v.interfaceOf(c.host("db2").orElseThrow()));
        assertEquals(List.of("db1", "db2", "db3"), v.candidates(c).stream().map(h -> h.name()).toList());
        assertNull(parse(HOSTS.replace(", vip: {interface: bond0}", "")).vip(), "no vip key, no vip");
    }

    @Test
    void following_pgbouncer_puts_it_on_the_primarys_pgbouncer_else_the_first_one() {
        Cluster c = withVip("{address: 10.0.0.100/24, interface: eth0, follows: pgbouncer}");
        assertEquals(List.of("db1", "db2"), c.vip().candidates(c).stream().map(h -> h.name()).toList());
        assertEquals("db2", c.vip().holderFor(c, c.host("db2").orElseThrow()).orElseThrow().name());
        assertEquals("db1", c.vip().holderFor(c, c.host("db3").orElseThrow()).orElseThrow().name());
    }

    @Test
    void vip_mistakes_are_errors_naming_the_line() {
        InventoryException e = assertThrows(InventoryException.class, () -> withVip("{address: 10.0.0.100, interface: eth0}"));
        assertTrue(e.getMessage().contains("inv.yaml:8") && e.getMessage().contains("no prefix length")
                && e.getMessage().contains("10.0.0.100/24"), e.getMessage());
        e = assertThrows(InventoryException.class, () -> withVip("{address: 10.0.0.100/24, interface: eth0, folows: primary}"));
        assertTrue(e.getMessage().contains("did you mean 'follows'"), e.getMessage());
        e = assertThrows(InventoryException.class, () -> withVip("{address: 10.0.0.100/24}"));
        assertTrue(e.getMessage().contains("host 'db1' names none of its own"), e.getMessage());
        e = assertThrows(InventoryException.class, () -> withVip("{address: 10.0.0.100/24, interface: eth0, hosts: [db9]}"));
        assertTrue(e.getMessage().contains("'db9' is not a host"), e.getMessage());
        e = assertThrows(InventoryException.class, () -> withVip("{address: 10.0.0.1/24, interface: eth0}"));
        assertTrue(e.getMessage().contains("host 'db1''s own address"), e.getMessage());
        e = assertThrows(InventoryException.class, () -> withVip("{address: 10.0.0.100/24, interface: '-x'}"));
        assertTrue(e.getMessage().contains("not a network interface name"), e.getMessage());
        e = assertThrows(InventoryException.class, () -> parse(HOSTS));
        assertTrue(e.getMessage().contains("host 'db2' has vip.interface but cluster 'c' has no vip"), e.getMessage());
    }

    @Test
    void ip_output_is_read_for_the_address_and_noarp() {
        Vip v = withVip("{address: 10.0.0.100/24, interface: eth0}").vip();
        assertTrue(VipCommands.holds("2: eth0    inet 10.0.0.1/24 brd 10.0.0.255 scope global eth0\\       valid_lft forever\n"
                + "2: eth0    inet 10.0.0.100/24 scope global secondary eth0\\       valid_lft forever\n", v));
        assertFalse(VipCommands.holds("2: eth0    inet 10.0.0.1/24 brd 10.0.0.255 scope global eth0\n"
                + "2: eth0    inet 10.0.0.10/24 scope global secondary eth0\n", v), "10.0.0.10 is not 10.0.0.100");
        assertFalse(VipCommands.holds("2: eth0    inet 10.0.0.1000/24 scope global eth0\n", v));
        assertTrue(VipCommands.noArp("5: tun0: <POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP> mtu 1500"));
        assertFalse(VipCommands.noArp("2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500"));
        assertTrue(VipCommands.arpingSent(1, "--- 10.0.0.100 statistics ---\n3 packets transmitted, 0 packets received"));
        assertFalse(VipCommands.arpingSent(1, "arping: libnet_init(LIBNET_LINK, eth9): No such device"));
        assertEquals(List.of("dba ALL=(root) NOPASSWD: /usr/sbin/ip addr add 10.0.0.100/24 dev eth0, /usr/sbin/ip addr del 10.0.0.100/24 dev eth0",
                        "dba ALL=(root) NOPASSWD: /usr/sbin/arping -U -c 3 -I eth0 10.0.0.100"),
                VipCommands.sudoers(v, withVip("{address: 10.0.0.100/24, interface: eth0}").host("db1").orElseThrow(), "dba"));
    }

    private static NodeState node(String name, Role role, LiveState st) {
        return new NodeState(name, "10.0.0." + name.substring(2), role, st, 1, "0/3000148", null, null, st == LiveState.STANDBY ? 0L : null,
                false, st == LiveState.STANDBY ? "db1" : null, null, null, null, 150000, "15.0", List.of(), List.of(), null, null, 3,
                st == LiveState.STANDBY ? "streaming" : null, null);
    }

    private static ClusterState healthy() {
        return new ClusterState("c", Verdict.HEALTHY, "db1", List.of(node("db1", Role.MASTER, LiveState.PRIMARY),
                node("db2", Role.SLAVE, LiveState.STANDBY), node("db3", Role.BCP, LiveState.STANDBY)), List.of(), Instant.EPOCH, 3);
    }

    @Test
    void status_flags_two_holders_none_and_the_wrong_one_with_the_command_that_moves_it() {
        Cluster c = withVip("{address: 10.0.0.100/24, interface: eth0}");
        ClusterState right = VipVerdict.apply(c, healthy(), new VipState("10.0.0.100", null, List.of("db1"), List.of()));
        assertEquals(Verdict.HEALTHY, right.verdict(), right.notes().toString());
        assertEquals("db1", right.vip().expected());

        ClusterState two = VipVerdict.apply(c, healthy(), new VipState("10.0.0.100", null, List.of("db1", "db2"), List.of()));
        assertEquals(Verdict.DEGRADED, two.verdict());
        assertEquals(List.of("VIP 10.0.0.100 is held by 2 hosts (db1, db2): clients reach either; it belongs on db1;"
                + " move it with: pgrunbook run vip-move --param to=db1"), two.notes());

        ClusterState none = VipVerdict.apply(c, healthy(), new VipState("10.0.0.100", null, List.of(), List.of()));
        assertEquals(Verdict.DEGRADED, none.verdict());
        assertTrue(none.notes().get(0).contains("held by no host: clients cannot connect"), none.notes().toString());

        ClusterState wrong = VipVerdict.apply(c, healthy(), new VipState("10.0.0.100", null, List.of("db2"), List.of()));
        assertTrue(wrong.notes().get(0).startsWith("VIP 10.0.0.100 is on db2, not on db1"), wrong.notes().toString());
    }

    /** A host's shell: which interfaces hold the VIP, the commands it was sent in order; unreachable hosts throw. */
    private static final class Hosts {
        final Set<String> holding = new HashSet<>();
        final Set<String> unreachable = new HashSet<>();
        final List<String> sent = new ArrayList<>();

        Transport to(io.pgrunbook.inventory.Host h) {
            return new Transport() {
                @Override
                public String host() {
                    return h.name();
                }

                @Override
                public ExecResult exec(RemoteCommand c, ExecOptions o) {
                    if (unreachable.contains(h.name())) {
                        throw new TransportException(h.name(), "connection refused");
                    }
                    sent.add(h.name() + ": " + c.describe());
                    String cmd = String.join(" ", c.argv());
                    if (cmd.startsWith("ip -o addr show")) {
                        return new ExecResult(0, holding.contains(h.name()) ? "2: eth0    inet 10.0.0.100/24 scope global eth0\n" : "", "", Duration.ZERO);
                    }
                    if (cmd.startsWith("ip addr add")) {
                        holding.add(h.name());
                    } else if (cmd.startsWith("ip addr del")) {
                        holding.remove(h.name());
                    } else if (cmd.startsWith("ip -o link")) {
                        return new ExecResult(0, "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500\n", "", Duration.ZERO);
                    }
                    return new ExecResult(0, "", "", Duration.ZERO);
                }

                @Override
                public InetSocketAddress forward(String targetHost, int targetPort) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public void close() {
                }
            };
        }

        StepContext ctx(Cluster c, String on) {
            StepRuntime rt = StepRuntime.of(this::to, (h, db) -> {
                throw new AssertionError("no SQL");
            }, null);
            return new StepContext("move", c, c.host(on).orElseThrow(), null, Map.of(), null, null, null, rt);
        }
    }

    @Test
    void move_removes_it_from_the_old_holder_adds_it_on_the_new_and_announces_it() {
        Cluster c = withVip("{address: 10.0.0.100/24, interface: eth0}");
        Hosts hosts = new Hosts();
        hosts.holding.add("db1");
        VipMoveAction a = new VipMoveAction();
        Result r = a.execute(hosts.ctx(c, "db2"));
        assertTrue(r.ok(), r.message());
        assertEquals(Set.of("db2"), hosts.holding);
        assertEquals(List.of("db1: ip -o addr show dev eth0", "db1: (as root) ip addr del 10.0.0.100/24 dev eth0",
                "db3: ip -o addr show dev eth0", "db2: ip -o addr show dev bond0", "db2: (as root) ip addr add 10.0.0.100/24 dev bond0",
                "db2: ip -o link show dev bond0", "db2: (as root) arping -U -c 3 -I bond0 10.0.0.100"), hosts.sent);
        assertTrue(a.verify(hosts.ctx(c, "db2")).ok());

        hosts.sent.clear();
        Result again = a.execute(hosts.ctx(c, "db2"));
        assertTrue(again.ok() && again.message().contains("db2 holds it already"), again.message());
        assertTrue(hosts.sent.stream().noneMatch(s -> s.contains("ip addr add") || s.contains("ip addr del")), hosts.sent.toString());
    }

    @Test
    void an_unreachable_old_holder_does_not_stop_the_move() {
        Cluster c = withVip("{address: 10.0.0.100/24, interface: eth0, arping: false}");
        Hosts hosts = new Hosts();
        hosts.holding.add("db1");
        hosts.unreachable.add("db1");
        Result r = new VipMoveAction().execute(hosts.ctx(c, "db2"));
        assertTrue(r.ok(), r.message());
        assertTrue(r.message().contains("db1 unreachable, not checked"), r.message());
        assertTrue(hosts.holding.contains("db2"));
        assertTrue(hosts.sent.stream().noneMatch(s -> s.contains("arping")), "arping: false sends none");
    }

    @Test
    void the_vip_move_runbook_refuses_a_cluster_without_a_vip() {
        var check = Registry.builtins().check("vip-configured").orElseThrow();
        Cluster plain = parse(HOSTS.replace(", vip: {interface: bond0}", ""));
        var no = check.evaluate(new io.pgrunbook.action.CheckContext(plain, healthy(), null, Map.of()));
        assertFalse(no.pass());
        assertEquals("cluster c has no vip in its inventory", no.reason());
        assertTrue(check.evaluate(new io.pgrunbook.action.CheckContext(withVip("{address: 10.0.0.100/24, interface: eth0}"),
                healthy(), null, Map.of())).pass());
        assertEquals("vip-configured", new RunbookLoader(Registry.builtins()).resolve("vip-move", dir).preflight().get(0).target());
    }

    @Test
    void a_runbook_step_for_the_vip_is_planned_only_when_the_inventory_has_a_vip() {
        RunbookLoader loader = new RunbookLoader(Registry.builtins());
        Planner planner = new Planner(Registry.builtins());
        Cluster plain = parse(HOSTS.replace(", vip: {interface: bond0}", ""));
        Cluster vip = withVip("{address: 10.0.0.100/24, interface: eth0}");
        for (String rb : List.of("switchover", "failover")) {
            Map<String, String> params = rb.equals("switchover") ? Map.of("to", "db2") : Map.of("to", "db2", "from", "db1");
            Plan without = planner.plan(loader.resolve(rb, dir), plain, healthy(), params);
            Plan with = planner.plan(loader.resolve(rb, dir), vip, healthy(), params);
            assertTrue(without.steps().stream().noneMatch(s -> s.type().equals("vip.move")), rb);
            assertEquals(without.steps().size() + 1, with.steps().size(), rb);
            var step = with.steps().stream().filter(s -> s.type().equals("vip.move")).findFirst().orElseThrow();
            assertEquals(List.of("db2"), step.hosts());
            assertTrue(step.targets().get(0).commands().contains("db2: unless it holds it already: (as root) ip addr add 10.0.0.100/24 dev bond0"),
                    step.targets().get(0).commands().toString());
        }
    }
}
