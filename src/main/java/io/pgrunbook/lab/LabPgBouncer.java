package io.pgrunbook.lab;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.lab.LabLayout.LabHost;
import io.pgrunbook.remote.ExecResult;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** The lab's PgBouncers: their configuration and users, start and stop. */
final class LabPgBouncer {
    private final Lab lab;

    LabPgBouncer(Lab lab) {
        this.lab = lab;
    }

    void start(String host) {
        LabHost h = lab.layout.host(host);
        LabHost primary = lab.layout.host("db1");
        lab.progress.accept(host + ": start PgBouncer on " + h.address() + ":" + LabLayout.PGBOUNCER_PORT + " -> db1");
        String ini = "; pgrunbook lab: PgBouncer on " + host + (lab.debian != null
                ? ". SCRAM secrets of PostgreSQL's roles in the auth_file.\n"
                : ". Trust authentication: a throwaway lab only.\n")
                + "[databases]\n"
                + LabLayout.DATABASE + " = host=" + primary.address() + " port=" + LabLayout.PG_PORT + " dbname="
                + LabLayout.DATABASE + "\n"
                + "\n[pgbouncer]\n"
                + "listen_addr = " + h.address() + "\n"
                + "listen_port = " + LabLayout.PGBOUNCER_PORT + "\n"
                + "unix_socket_dir = " + lab.layout.socketDir(host) + "\n"
                + "auth_type = " + (lab.debian != null ? "scram-sha-256" : "trust") + "\n"
                + "auth_file = " + lab.layout.pgbouncerUsers(host) + "\n"
                + "admin_users = " + LabLayout.PGBOUNCER_ADMIN + "\n"
                + "stats_users = " + LabLayout.PGBOUNCER_ADMIN + "\n"
                // PAUSE waits for transactions, not sessions, to end: what a switchover needs from PgBouncer.
                // Clients through it must not use server-side prepared statements (PgJDBC: prepareThreshold=0).
                + "pool_mode = transaction\n"
                // server_login_retry stays at PgBouncer's default (15 s), as on most sites: after a failover the
                // repoint itself must get clients to the new primary at once (FailoverIT's writer proves it)
                // PgJDBC sends these at startup; PgBouncer refuses unknown startup parameters otherwise
                + "ignore_startup_parameters = extra_float_digits,options\n"
                + "max_client_conn = 100\n"
                + "default_pool_size = 10\n"
                + "pidfile = " + lab.layout.pgbouncerPid(host) + "\n"
                + "logfile = " + lab.layout.pgbouncerLog(host) + "\n";
        if (lab.options.has(LabExtra.READONLY)) {
            ini = ReadOnlyLab.ini(lab.layout, host, ini);
        }
        lab.write(lab.layout.pgbouncerIni(host), ini, true);
        if (lab.debian != null) {
            // as sites do: the roles' SCRAM secrets copied from pg_authid (PgBouncer logs in to the server with them)
            StringBuilder users = new StringBuilder();
            for (String row : lab.query("db1", "postgres", "SELECT format('\"%s\" \"%s\"', rolname, rolpassword)"
                    + " FROM pg_authid WHERE rolname IN ('postgres', '" + LabLayout.REPLICATION_USER + "', '"
                    + LabLayout.PGBOUNCER_ADMIN + "') ORDER BY rolname")) {
                users.append(row).append('\n');
            }
            LabFiles.writeSecret(lab.layout.pgbouncerUsers(host), users.toString(), lab.osUser);
        } else {
            lab.write(lab.layout.pgbouncerUsers(host), "\"" + LabLayout.PGBOUNCER_ADMIN + "\" \"\"\n\"postgres\" \"\"\n\""
                    + LabLayout.REPLICATION_USER + "\" \"\"\n", true);
        }
        ExecResult r = lab.run(host, lab.bin.pgbouncer().toString(), "-d", lab.layout.pgbouncerIni(host).toString());
        if (!r.ok()) {
            throw new PgrunbookException(Outcome.FAILED, host + ": PgBouncer did not start: " + LabWait.oneLine(r.tail(3))
                    + "; log: " + lab.layout.pgbouncerLog(host));
        }
        LabWait.waitUntil(host + ": PgBouncer listening on " + h.address() + ":" + LabLayout.PGBOUNCER_PORT, Duration.ofSeconds(20),
                () -> LabWait.listening(h.address(), LabLayout.PGBOUNCER_PORT));
    }

    void stop(String host) {
        Path pidFile = lab.layout.pgbouncerPid(host);
        Optional<ProcessHandle> p = LabProcesses.pidFrom(pidFile).flatMap(ProcessHandle::of)
                .filter(LabProcesses::alive).filter(ph -> ph.info().command().map(c -> c.endsWith("pgbouncer")).orElse(true));
        if (p.isEmpty()) {
            return;
        }
        lab.progress.accept(host + ": stop PgBouncer (pid " + p.get().pid() + ")");
        p.get().destroy();
        if (!LabProcesses.waitExit(p.get(), Duration.ofSeconds(10))) {
            p.get().destroyForcibly();
            LabProcesses.waitExit(p.get(), Duration.ofSeconds(5));
        }
    }
}
