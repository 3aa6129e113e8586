package io.pgrunbook.lab;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What {@code lab up --with NAME[,NAME...]} adds to the four hosts: the other moving parts of an estate. Each is
 * built by its own class after the cluster streams, and writes its own keys into the lab inventory.
 */
public enum LabExtra {
    /** pgpool-II in front of the cluster on db1's address (port 9999, pcp 9898), its own failover off. */
    PGPOOL,
    /** A virtual IP that follows the primary. */
    VIP,
    /** Barman backing up the primary, with a first backup. */
    BARMAN,
    /** db4 as a Londiste leaf of db1 (PgQ root), pgqd ticking. */
    LONDISTE,
    /** A read-only route on the SLAVE's PgBouncer: app_ro leading to db2's own standby. */
    READONLY;

    /** The name in {@code --with} and in the lab marker. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<LabExtra> of(String label) {
        return Arrays.stream(values()).filter(e -> e.label().equalsIgnoreCase(label.strip())).findFirst();
    }

    public static String labels() {
        return Arrays.stream(values()).map(LabExtra::label).collect(Collectors.joining(", "));
    }
}
