package io.pgrunbook.inventory;

/**
 * One host of a cluster with every setting merged (defaults, cluster defaults, host's own).
 * {@code become} is the OS user that owns PostgreSQL, or null to run as the login user.
 * {@code pgbouncer} is null when this host runs no PgBouncer.
 */
public record Host(String name, String address, Role role, TransportKind transport, SshSettings ssh, String become,
                   PgSettings postgres, ReplicationSettings replication, PgBouncerSettings pgbouncer,
                   SourceLocation location) {

    public enum TransportKind { SSH, LOCAL }

    public boolean hasPgBouncer() {
        return pgbouncer != null;
    }

    /** Where PostgreSQL listens as seen from the host itself. */
    public String pgHost() {
        return postgres.host() != null ? postgres.host() : address;
    }
}
