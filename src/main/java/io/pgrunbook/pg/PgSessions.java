package io.pgrunbook.pg;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.remote.Connections;

import java.sql.Connection;

/** Opens PgJDBC connections to a host's PostgreSQL, through the SSH tunnel or directly. PLACEHOLDER: being written. */
public final class PgSessions {
    private PgSessions() {
    }

    /** A connection to {@code database} (null: the inventory's database) as the inventory's postgres user. */
    public static Connection open(Host host, Connections connections, String database) {
        throw new UnsupportedOperationException("not yet implemented");
    }
}
