package io.pgrunbook.doctor;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Vip;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.LocalTransport;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Transport;
import io.pgrunbook.vip.VipCommands;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * On each host that may hold the virtual IP: its interface exists, and the login user may run exactly the
 * {@code ip addr add/del} and arping of {@code vip.move} as root without a password ({@code sudo -n -l CMD} answers
 * without running anything). Nothing for a cluster without a VIP.
 */
final class VipDoctor {
    private static final ExecOptions QUICK = ExecOptions.timeout(Duration.ofSeconds(20));

    private VipDoctor() {
    }

    static List<Finding> check(Cluster cluster, Host h, Transport t) {
        Vip v = cluster.vip();
        if (v == null || v.candidates(cluster).stream().noneMatch(c -> c.name().equals(h.name()))) {
            return List.of();
        }
        List<Finding> out = new ArrayList<>();
        String n = h.name();
        String iface = v.interfaceOf(h);
        ExecResult link = t.exec(VipCommands.link(v, h), QUICK);
        if (link.ok()) {
            out.add(Finding.pass(n, "vip interface", iface + (VipCommands.noArp(link.stdout()) ? " (NOARP: no gratuitous ARP)" : "")));
        } else {
            out.add(Finding.fail(n, "vip interface", "ip -o link show dev " + iface + ": " + link.tail(1),
                    "fix vip.interface (or this host's vip: {interface}) in the inventory"));
        }
        boolean root = h.transport() == Host.TransportKind.LOCAL ? LocalTransport.runningAsRoot() : "root".equals(h.ssh().user());
        if (root) {
            out.add(Finding.pass(n, "vip privileges", "runs as root"));
            return out;
        }
        List<RemoteCommand> needed = new ArrayList<>(List.of(VipCommands.add(v, h), VipCommands.del(v, h)));
        if (v.arping() && v.address().indexOf(':') < 0) {
            needed.add(VipCommands.arping(v, h));
        }
        List<String> refused = new ArrayList<>();
        for (RemoteCommand c : needed) {
            List<String> argv = new ArrayList<>(List.of("sudo", "-n", "-l"));
            argv.addAll(c.argv());
            if (!t.exec(RemoteCommand.of(argv), QUICK).ok()) {
                refused.add(String.join(" ", c.argv()));
            }
        }
        String user = h.transport() == Host.TransportKind.LOCAL ? System.getProperty("user.name") : h.ssh().user();
        if (refused.isEmpty()) {
            out.add(Finding.pass(n, "vip privileges", "sudo allows ip addr add/del" + (needed.size() > 2 ? " and arping" : "")));
        } else {
            out.add(Finding.fail(n, "vip privileges", "sudo -n refuses: " + String.join("; ", refused),
                    "add to /etc/sudoers.d/pgrunbook-vip: " + String.join(" | ", VipCommands.sudoers(v, h, user))));
        }
        return out;
    }
}
