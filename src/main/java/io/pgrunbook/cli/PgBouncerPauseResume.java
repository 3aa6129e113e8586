package io.pgrunbook.cli;


import io.pgrunbook.inventory.Host;
import io.pgrunbook.pgbouncer.PgBouncerControl;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.remote.HostKeyException;

import java.util.ArrayList;
import java.util.List;

/** The shared body of {@code pgbouncer pause} and {@code resume} (a helper, not a second base class). */
final class PgBouncerPauseResume {
    private PgBouncerPauseResume() {
    }

    static int run(AbstractCommand c, boolean pause, String database) throws Exception {
        List<PgBouncerControl.Outcome> outcomes = new ArrayList<>();
        try (Connections connections = c.context().connections()) {
            for (Host h : c.cluster().pgbouncers()) {
                try {
                    outcomes.addAll(PgBouncerControl.set(h, connections.to(h), pause, database));
                } catch (HostKeyException e) {
                    throw e;
                } catch (RuntimeException e) {
                    outcomes.add(new PgBouncerControl.Outcome(h.name(), database, pause ? "pause" : "resume", false,
                            e.getMessage()));
                }
            }
        }
        if (c.global().json()) {
            c.out().println(Json.pretty(outcomes));
        } else {
            Table t = new Table("PGBOUNCER", "DATABASE", "RESULT");
            outcomes.forEach(o -> t.row(o.pgbouncer(), o.database(), (o.ok() ? "" : "FAILED: ") + o.detail()));
            c.out().print(t.render());
        }
        return outcomes.stream().allMatch(PgBouncerControl.Outcome::ok) ? ExitCodes.OK : ExitCodes.FAILED;
    }
}
