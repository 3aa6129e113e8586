package io.pgrunbook.pgpool;

/**
 * One backend as a pgpool sees it (a line of {@code pcp_node_info -a}, a row of {@code SHOW pool_nodes}).
 * {@code status}: up, waiting (up, no connection pooled yet), down (detached) or unused; {@code role}: primary or
 * standby (pgpool's idea, not necessarily the server's); {@code weight}: the load-balance weight, normalized 0..1.
 */
public record PgpoolNode(int id, String address, int port, String status, String weight, String role) {
    /** Up or waiting: pgpool sends it queries. */
    public boolean attached() {
        return "up".equals(status) || "waiting".equals(status);
    }

    public boolean primary() {
        return "primary".equals(role) || "main".equals(role);
    }
}
