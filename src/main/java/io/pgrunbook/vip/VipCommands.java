package io.pgrunbook.vip;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Vip;
import io.pgrunbook.remote.RemoteCommand;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The exact commands that move a virtual IP, as argument vectors. Only {@code ip addr add/del} of the VIP and arping
 * need root: they run as root (sudo -n over SSH), so a site's sudoers grants exactly these three lines and no more.
 * Looking runs as the login user.
 */
public final class VipCommands {
    /** Whom the privileged commands run as; sudo's secure_path finds ip and arping in /usr/sbin. */
    public static final String ROOT = "root";

    private VipCommands() {
    }

    /** Which addresses the interface has (no root needed). */
    public static RemoteCommand show(Vip v, Host h) {
        return RemoteCommand.of("ip", "-o", "addr", "show", "dev", v.interfaceOf(h));
    }

    /** The interface's flags: NOARP means no gratuitous ARP there. */
    public static RemoteCommand link(Vip v, Host h) {
        return RemoteCommand.of("ip", "-o", "link", "show", "dev", v.interfaceOf(h));
    }

    public static RemoteCommand add(Vip v, Host h) {
        return RemoteCommand.of("ip", "addr", "add", v.cidr(), "dev", v.interfaceOf(h)).as(ROOT);
    }

    public static RemoteCommand del(Vip v, Host h) {
        return RemoteCommand.of("ip", "addr", "del", v.cidr(), "dev", v.interfaceOf(h)).as(ROOT);
    }

    /**
     * Gratuitous ARP: neighbours update their caches now instead of when the old entry expires. The same argv suits
     * iputils' arping and Thomas Habets' arping (both read -U, -c and -I).
     */
    public static RemoteCommand arping(Vip v, Host h) {
        return RemoteCommand.of("arping", "-U", "-c", String.valueOf(Vip.ARPING_COUNT), "-I", v.interfaceOf(h), v.address()).as(ROOT);
    }

    /** The sudoers lines a site needs for {@code user} on host {@code h}, for the documentation and doctor. */
    public static List<String> sudoers(Vip v, Host h, String user) {
        return List.of(user + " ALL=(root) NOPASSWD: /usr/sbin/ip addr add " + v.cidr() + " dev " + v.interfaceOf(h)
                        + ", /usr/sbin/ip addr del " + v.cidr() + " dev " + v.interfaceOf(h),
                user + " ALL=(root) NOPASSWD: /usr/sbin/arping -U -c " + Vip.ARPING_COUNT + " -I " + v.interfaceOf(h) + " " + v.address());
    }

    /** Whether {@code ip -o addr show} output lists the VIP (with any prefix: one added by hand with another counts). */
    public static boolean holds(String ipAddrOutput, Vip v) {
        Pattern p = Pattern.compile("\\sinet6?\\s+" + Pattern.quote(v.address()) + "/\\d+\\s");
        return ipAddrOutput != null && ipAddrOutput.lines().anyMatch(l -> p.matcher(l + " ").find());
    }

    /** Whether {@code ip -o link show} output has the NOARP flag. */
    public static boolean noArp(String ipLinkOutput) {
        return ipLinkOutput != null && ipLinkOutput.matches("(?s).*<[^>]*\\bNOARP\\b[^>]*>.*");
    }

    /** Whether arping could not even send (not: sent and got no reply, which is normal for unsolicited ARP). */
    public static boolean arpingSent(Integer exit, String output) {
        if (exit != null && exit == 0) {
            return true;
        }
        // Habets' arping exits 1 when nobody answers, which unsolicited ARP never expects
        return exit != null && exit == 1 && output != null && output.matches("(?s).*\\b[1-9]\\d* packets transmitted.*");
    }
}
