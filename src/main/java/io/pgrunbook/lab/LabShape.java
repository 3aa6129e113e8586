package io.pgrunbook.lab;

/**
 * How the lab's servers are laid out. PLAIN: the project's own (configuration in the data directory, trust, pg_ctl,
 * everything as the postgres user). DEBIAN: an estate as Debian's postgresql-common makes it (pg_createcluster,
 * configuration in /etc/postgresql/15/NAME, pg_ctlcluster, scram passwords in .pgpass files, SSH as a login user
 * that becomes postgres with sudo, PgBouncer with an auth_file).
 */
public enum LabShape {
    PLAIN, DEBIAN;

    /** The name in {@code --layout} and in the lab marker. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
