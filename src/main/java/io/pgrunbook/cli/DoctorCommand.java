package io.pgrunbook.cli;

import io.pgrunbook.doctor.Doctor;
import io.pgrunbook.doctor.DoctorReport;
import io.pgrunbook.doctor.Finding;
import io.pgrunbook.remote.Connections;
import picocli.CommandLine.Command;

/** {@code pgrunbook doctor}: checks, per host, that the procedures will work before they are needed. */
@Command(name = "doctor", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Checks per host that the procedures will work: SSH and host key, become, server binaries and one"
                + " major version, inventory paths, wal_log_hints or checksums, archive_command and restore_command,"
                + " replication slots (missing, inactive and the WAL they retain), max_wal_senders headroom, the PgBouncer"
                + " console, free disk against the largest database, clock skew. Read-only.",
        footer = {"", "Exit codes: 0 every check passed, 1 a check failed."})
public class DoctorCommand extends AbstractCommand {
    @Override
    public Integer call() throws Exception {
        DoctorReport report;
        try (Connections connections = context().connections()) {
            report = new Doctor(connections, context().env()).run(cluster());
        }
        out().print(global().json() ? Json.pretty(report) + "\n" : table(report, ansi()));
        return report.passed() ? ExitCodes.OK : ExitCodes.FAILED;
    }

    static String table(DoctorReport r, picocli.CommandLine.Help.Ansi ansi) {
        Table t = new Table("HOST", "CHECK", "RESULT", "DETAIL", "FIX");
        for (Finding f : r.findings()) {
            t.row(f.host(), f.check(), f.result(), f.detail(), f.hint());
        }
        long failed = r.findings().stream().filter(f -> f.result() == Finding.Result.FAIL).count();
        return t.render() + (failed == 0 ? Paint.paint(ansi, "bold,green", "PASS") + ": every check passed"
                : Paint.paint(ansi, "bold,red", "FAIL") + ": " + failed + " check(s) failed") + "\n";
    }
}
