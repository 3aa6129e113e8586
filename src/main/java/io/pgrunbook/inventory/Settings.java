package io.pgrunbook.inventory;

import java.time.Duration;

/** Cluster-wide limits used by probes, checks and procedures. */
public record Settings(long maxLagBytes, Duration probeTimeout, Duration waitTimeout, Duration promoteTimeout) {
    public static final Settings DEFAULT = new Settings(16L * 1024 * 1024, Duration.ofSeconds(5),
            Duration.ofSeconds(60), Duration.ofSeconds(60));
}
