package io.pgrunbook.pgbouncer;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.remote.Transport;

import java.util.ArrayList;
import java.util.List;

/**
 * PAUSE / RESUME of the managed databases of one PgBouncer, idempotent: a database already in that state is left. A
 * RESUME of every managed database also cancels the {@link PauseGuard} of an earlier pause, in the same command.
 */
public final class PgBouncerControl {
    private PgBouncerControl() {
    }

    /** What happened to one database. */
    public record Outcome(String pgbouncer, String database, String action, boolean ok, String detail) {
        /** Whether PAUSE or RESUME was sent (false: it was already in that state, or failed). */
        public boolean changed() {
            return ok && (detail.equals("paused") || detail.equals("resumed"));
        }
    }

    /** @param database one database, or null for every managed database of the host */
    public static List<Outcome> set(Host host, Transport transport, boolean pause, String database) {
        return set(host, transport, pause, database, null);
    }

    /**
     * As {@link #set(Host, Transport, boolean, String)}, from {@code known} databases when the caller has just read
     * them (null: SHOW DATABASES first). Every PAUSE or RESUME goes in one psql: one process and one login per
     * PgBouncer however many databases it serves.
     */
    public static List<Outcome> set(Host host, Transport transport, boolean pause, String database,
                                    List<PgBouncerAdmin.Database> known) {
        PgBouncerAdmin admin = new PgBouncerAdmin(host, transport);
        List<Outcome> out = new ArrayList<>();
        List<String> commands = new ArrayList<>();
        boolean found = false;
        for (PgBouncerAdmin.Database d : known != null ? known : admin.databases()) {
            if (database != null ? !d.name().equals(database) : !Repoint.managed(host, d.name())) {
                continue;
            }
            found = true;
            if (d.paused() == pause) {
                out.add(new Outcome(host.name(), d.name(), pause ? "pause" : "resume", true, "already " + (pause ? "paused" : "running")));
            } else {
                // PAUSE waits until the pool's server connections are released: clients in a transaction finish first
                commands.add((pause ? "PAUSE " : "RESUME ") + d.name());
                out.add(new Outcome(host.name(), d.name(), pause ? "pause" : "resume", true, pause ? "paused" : "resumed"));
            }
        }
        if (!pause && database == null) {
            // every managed database runs again: the guard of an earlier pause has nothing left to do (one database
            // resumed alone leaves it armed for the others)
            admin.run(PauseGuard.runThenCancel(host, commands.isEmpty() ? null : admin.psql(commands)));
        } else {
            admin.commands(commands);
        }
        if (!found) {
            out.add(new Outcome(host.name(), database, pause ? "pause" : "resume", false,
                    "no such database on this PgBouncer"));
        }
        return out;
    }
}
