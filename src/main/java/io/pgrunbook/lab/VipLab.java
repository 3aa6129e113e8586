package io.pgrunbook.lab;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.inventory.Role;
import io.pgrunbook.remote.LocalTransport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code lab up --with vip}: a virtual IP for the lab. The lab's hosts share one kernel, so each physical host gets an
 * interface of its own (one end of a veth pair; this machine has no dummy module) and "who holds the VIP" is which of
 * those interfaces has the address. The names and the address come from the lab's base address, so labs on other
 * addresses never collide; both ends stay in this machine's own network namespace and nothing leaves it.
 */
public final class VipLab {
    private VipLab() {
    }

    /** The VIP of the lab at {@code layout}: .100 of its /24 (.200 when its hosts are around .100). */
    public static String address(LabLayout layout) {
        String[] o = layout.baseAddress().split("\\.");
        int last = Integer.parseInt(o[3]);
        return o[0] + "." + o[1] + "." + o[2] + "." + (last <= 100 && last + 3 >= 100 ? 200 : 100);
    }

    /** The interface of {@code host}: "pgr", the base address' last three octets in hex, the host number (15 chars at most). */
    public static String iface(LabLayout layout, String host) {
        String[] o = layout.baseAddress().split("\\.");
        return String.format(Locale.ROOT, "pgr%02x%02x%02xh%s", Integer.parseInt(o[1]), Integer.parseInt(o[2]),
                Integer.parseInt(o[3]), host.replaceAll("\\D", ""));
    }

    private static String peer(String iface) {
        return iface + "p";
    }

    private static List<LabLayout.LabHost> holders(LabLayout layout) {
        return layout.hosts().stream().filter(h -> h.role() != Role.REPLICA).toList();
    }

    /** Before anything is built: veth pairs need root, and none of this lab's interfaces may exist already. */
    static void checkCanBuild(LabLayout layout) {
        if (!LocalTransport.runningAsRoot()) {
            throw new PgrunbookException(Outcome.REFUSED, "lab up --with vip needs root: it makes a network interface"
                    + " (a veth pair) per host", "run lab up as root, or without --with vip");
        }
        for (LabLayout.LabHost h : holders(layout)) {
            if (exists(iface(layout, h.name()))) {
                throw new PgrunbookException(Outcome.REFUSED, "network interface " + iface(layout, h.name())
                        + " exists already (left by a lab on " + layout.baseAddress() + " that was not taken down)",
                        "remove it with: ip link del " + iface(layout, h.name()));
            }
        }
    }

    /** Interfaces up, the VIP on db1's, the vip keys in the lab's inventories. */
    static void up(LabLayout layout, Consumer<String> progress) {
        for (LabLayout.LabHost h : holders(layout)) {
            String i = iface(layout, h.name());
            progress.accept(h.name() + ": interface " + i + " (veth pair with " + peer(i) + ")");
            ip("link", "add", i, "type", "veth", "peer", "name", peer(i));
            ip("link", "set", i, "up");
            ip("link", "set", peer(i), "up");
        }
        String first = iface(layout, holders(layout).get(0).name());
        progress.accept("db1: VIP " + address(layout) + " on " + first);
        ip("addr", "add", address(layout) + "/32", "dev", first);
        for (Path inv : List.of(layout.inventory(), layout.sshInventory())) {
            if (Files.exists(inv)) {
                try {
                    Files.writeString(inv, withVip(Files.readString(inv, StandardCharsets.UTF_8), layout), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new PgrunbookException(Outcome.FAILED, "cannot write " + inv + ": " + e.getMessage());
                }
            }
        }
    }

    /** The lab inventory with a host-level interface under each physical host and the cluster's vip at its end. */
    static String withVip(String inventory, LabLayout layout) {
        StringBuilder b = new StringBuilder();
        String host = null;
        for (String line : inventory.split("\n", -1)) {
            if (line.matches(" {6}db\\d+:")) {
                host = line.trim().replace(":", "");
            }
            b.append(line).append('\n');
            if (host != null && line.matches(" {8}role: (MASTER|SLAVE|BCP)")) {
                b.append("        vip: {interface: ").append(iface(layout, host)).append("}\n");
            }
        }
        String text = b.substring(0, b.length() - 1);
        return (text.endsWith("\n") ? text : text + "\n") + "    # lab up --with vip: each host has its own interface (one machine)\n"
                + "    vip: {address: " + address(layout) + "/32, follows: primary}\n";
    }

    /** Removes the lab's interfaces (the peer goes with its pair); quiet when there are none. */
    static void down(LabLayout layout, Consumer<String> progress) {
        for (LabLayout.LabHost h : holders(layout)) {
            String i = iface(layout, h.name());
            if (exists(i)) {
                progress.accept(h.name() + ": remove interface " + i);
                ip("link", "del", i);
            }
        }
    }

    private static boolean exists(String iface) {
        return run(List.of("ip", "-o", "link", "show", "dev", iface)) == 0;
    }

    private static void ip(String... args) {
        List<String> argv = new ArrayList<>(List.of("ip"));
        argv.addAll(List.of(args));
        if (run(argv) != 0) {
            throw new PgrunbookException(Outcome.FAILED, "lab vip: " + String.join(" ", argv) + " failed");
        }
    }

    private static int run(List<String> argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
