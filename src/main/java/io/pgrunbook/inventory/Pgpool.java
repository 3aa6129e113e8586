package io.pgrunbook.inventory;

import java.util.Map;
import java.util.Optional;

/**
 * One pgpool-II in front of a cluster (the cluster's {@code pgpool} list). {@code host}: the inventory host it runs on,
 * where the pcp_* tools run over that host's transport; null: a host outside the inventory, reached from this machine
 * ({@code address}). The pcp password is never here: pcp reads it from ~/.pcppass or PCPPASSFILE of the user running
 * it. {@code pcpUser} null: pcp's own default (that user's login name). {@code nodeIds}: backend ids the inventory
 * gives; the others are found by address and port in pgpool's own node list. {@code pcppassFile}: where pcp finds the
 * password file when it is not the runner's ~/.pcppass (the path only, as ssh.identity; null: pcp's own lookup).
 */
public record Pgpool(String host, String address, int port, int pcpPort, String pcpUser, Map<String, Integer> nodeIds,
                     SourceLocation location, String pcppassFile) {
    public static final int DEFAULT_PORT = 9999;
    public static final int DEFAULT_PCP_PORT = 9898;

    public Pgpool {
        nodeIds = nodeIds == null ? Map.of() : Map.copyOf(nodeIds);
    }

    /** How the operator knows it: {@code pgpool@db1:9999}. */
    public String label() {
        return "pgpool@" + (host != null ? host : address) + ":" + port;
    }

    public Optional<Integer> givenId(String hostName) {
        return Optional.ofNullable(nodeIds.get(hostName));
    }
}
