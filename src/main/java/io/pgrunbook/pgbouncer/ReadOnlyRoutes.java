package io.pgrunbook.pgbouncer;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Role;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Where a PgBouncer's read-only routes ({@code pgbouncer.readonly_databases}) lead: the PgBouncer host's own server
 * when it is a streaming standby (reads stay on the machine, as the SLAVE's app_ro does), else the first streaming
 * standby among the SLAVEs, then the MASTER, then the BCPs (same site first, inventory order), else the primary: reads
 * keep working on the primary, with a warning, rather than failing.
 */
public final class ReadOnlyRoutes {
    private ReadOnlyRoutes() {
    }

    /** The hosts a read-only route may lead to, in order of preference. */
    public static List<Host> preference(Cluster cluster, Host pgbouncer) {
        Set<Host> out = new LinkedHashSet<>();
        if (pgbouncer.role().isPhysical()) {
            out.add(pgbouncer);
        }
        for (Role r : List.of(Role.SLAVE, Role.MASTER, Role.BCP)) {
            out.addAll(cluster.withRole(r));
        }
        return new ArrayList<>(out);
    }

    /** The first host that streams now, by {@link #preference}; empty when none does. */
    public static Optional<Host> choose(Cluster cluster, Host pgbouncer, String primary, Predicate<Host> streaming) {
        return preference(cluster, pgbouncer).stream().filter(h -> !h.name().equals(primary)).filter(streaming).findFirst();
    }

    /** Whether any PgBouncer of the cluster has read-only routes. */
    public static boolean any(Cluster cluster) {
        return cluster.pgbouncers().stream().anyMatch(h -> !h.pgbouncer().readonlyDatabases().isEmpty());
    }
}
