package io.pgrunbook.cli;

import io.pgrunbook.remote.Connections;
import io.pgrunbook.smoke.SmokeReport;
import io.pgrunbook.smoke.SmokeRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;

/** {@code pgrunbook smoke}: the end-to-end smoke test; exit 0 only when every check passes. */
@Command(name = "smoke", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"End-to-end smoke test, in normal or failover state: every node and PgBouncer listens and accepts"
                + " connections; a probe row written on the live primary (table pgrunbook_smoke in the inventory's smoke"
                + " database) is read back on every physical standby and on the REPLICA when published to it; every"
                + " PgBouncer database reaches the primary and takes a write; standby lag is under max_lag; the site's"
                + " smoke scripts pass.",
                "Changes made: the probe table and its rows on the primary; on a REPLICA whose publication covers the"
                        + " table, the table and ALTER SUBSCRIPTION ... REFRESH PUBLICATION when the subscription lacks it."},
        footer = {"", "Exit codes: 0 every check passed (SKIP included), 1 a check failed."})
public class SmokeCommand extends AbstractCommand {
    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "How long to wait for the probe row on each standby and replica (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        Duration wait = timeout;
        SmokeReport report;
        try (Connections connections = context().connections()) {
            report = new SmokeRunner(connections, context().env(), wait).run(cluster());
        }
        out().print(global().json() ? Json.pretty(report) + "\n" : SmokeView.table(report, ansi()));
        return report.passed() ? ExitCodes.OK : ExitCodes.FAILED;
    }
}
