package io.pgrunbook.cli;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.pgrunbook.lab.Lab;
import io.pgrunbook.lab.LabLayout;
import io.pgrunbook.remote.Shell;

import java.util.List;
import java.util.Map;

/**
 * What {@code lab up} tells: the hosts, the inventories, and the commands to look at it and to remove it, written
 * with the launcher as it was called (bin/pgrunbook from a checkout, where pgrunbook is not on the PATH). Also its
 * {@code -o json} document.
 */
@JsonPropertyOrder({"dir", "cluster", "already_running", "seconds", "hosts", "inventory", "ssh_inventory", "pgpassfile", "next", "stop"})
record LabReport(String dir, String cluster, boolean alreadyRunning, double seconds, List<Host> hosts, String inventory,
                 String sshInventory, String pgpassfile, String next, String stop) {

    @JsonPropertyOrder({"name", "role", "address", "port", "pgbouncer_port"})
    record Host(String name, String role, String address, int port, Integer pgbouncerPort) {
    }

    static LabReport of(Lab.LabInfo info, boolean debian, Map<String, String> env) {
        String program = NextCommand.program(env);
        String dir = Shell.quote(info.dir().toString());
        String inv = info.inventory().toString();
        // the Debian lab's servers want passwords, from its .pgpass file
        String next = (debian ? "PGPASSFILE=" + Shell.quote(info.dir().resolve("pgpass").toString()) + " " : "")
                + program + " -i " + Shell.quote(inv) + " status";
        return new LabReport(info.dir().toString(), LabLayout.CLUSTER, info.alreadyRunning(), info.took().toMillis() / 1000.0,
                info.hosts().stream().map(h -> new Host(h.name(), h.role().toString(), h.address(), LabLayout.PG_PORT,
                        h.pgbouncer() ? LabLayout.PGBOUNCER_PORT : null)).toList(), info.inventory().toString(),
                info.sshInventory() == null ? null : info.sshInventory().toString(),
                debian ? info.dir().resolve("pgpass").toString() : null, next, program + " lab down --dir " + dir);
    }
}
