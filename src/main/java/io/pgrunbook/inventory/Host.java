package io.pgrunbook.inventory;

/**
 * One host of a cluster with every setting merged (defaults, cluster defaults, host's own).
 * {@code become} is the OS user that owns PostgreSQL, or null to run as the login user.
 * {@code pgbouncer} is null when this host runs no PgBouncer.
 */
public record Host(String name, String address, Role role, TransportKind transport, SshSettings ssh, String become,
                   PgSettings postgres, ReplicationSettings replication, PgBouncerSettings pgbouncer,
                   SourceLocation location) {

    /** SSH: SSHJ in this process; OPENSSH: the system ssh, multiplexed; LOCAL: this machine. */
    public enum TransportKind { SSH, LOCAL, OPENSSH }

    /** True when commands and tunnels go over SSH, whichever client carries them. */
    public boolean overSsh() {
        return transport != TransportKind.LOCAL;
    }

    public boolean hasPgBouncer() {
        return pgbouncer != null;
    }

    /** Where PostgreSQL listens as seen from the host itself. */
    public String pgHost() {
        return postgres.host() != null ? postgres.host() : address;
    }
}
