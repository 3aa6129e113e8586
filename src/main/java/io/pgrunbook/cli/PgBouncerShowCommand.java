package io.pgrunbook.cli;

import io.pgrunbook.pgbouncer.PgBouncerStatus;
import io.pgrunbook.remote.Connections;
import picocli.CommandLine.Command;

import java.util.List;

/** {@code pgrunbook pgbouncer show}: each PgBouncer's databases, where they lead, paused or not, clients and servers. */
@Command(name = "show", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Every PgBouncer's databases (SHOW DATABASES, SHOW POOLS): the host each leads to, paused or not,"
                + " client and server connections.",
        footer = {"", "Exit codes: 0 every PgBouncer answered, 1 one did not."})
public class PgBouncerShowCommand extends AbstractCommand {
    @Override
    public Integer call() throws Exception {
        List<PgBouncerStatus.Row> rows;
        try (Connections connections = context().connections()) {
            rows = PgBouncerStatus.read(cluster(), connections);
        }
        if (global().json()) {
            out().println(Json.pretty(rows));
        } else {
            Table t = new Table("PGBOUNCER", "DATABASE", "TARGET", "ADDRESS", "PAUSED", "CLIENTS", "WAITING", "SERVERS");
            for (PgBouncerStatus.Row r : rows) {
                if (r.error() != null) {
                    t.row(r.pgbouncer(), "-", "error: " + r.error(), null, null, null, null, null);
                } else {
                    t.row(r.pgbouncer(), r.database() + (r.managed() ? "" : " (not managed)"), r.target(),
                            r.targetAddress() == null || r.targetAddress().isEmpty() ? null : r.targetAddress() + ":" + r.port(),
                            r.paused() ? "yes" : "no", r.clients(), r.waiting(), r.servers());
                }
            }
            out().print(t.render());
        }
        return rows.stream().anyMatch(r -> r.error() != null) ? ExitCodes.FAILED : ExitCodes.OK;
    }
}
