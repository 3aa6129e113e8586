package io.pgrunbook.cli;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.lab.Lab;
import io.pgrunbook.lab.LabExtra;
import io.pgrunbook.lab.LabLayout;
import io.pgrunbook.lab.LabOptions;
import io.pgrunbook.lab.LabShape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;

/** {@code pgrunbook lab up}: builds and starts the lab, writes its inventory. */
@Command(name = "up", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Build and start a real PostgreSQL cluster on this machine's loopback addresses:",
                "db1 MASTER, db2 SLAVE, db3 BCP (streaming), db4 REPLICA (logical), PgBouncer on db1 and db2.",
                "Writes DIR/inventory.yaml. Needs the PostgreSQL server binaries and pgbouncer."})
public class LabUpCommand extends AbstractCommand {
    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "pglab",
            description = "Directory of the lab (default: ${DEFAULT-VALUE} in the working directory).")
    Path dir;

    @Option(names = "--base-address", paramLabel = "127.0.0.N", defaultValue = "127.0.0.11",
            description = "Address of db1; db2, db3 and db4 take the next three (default: ${DEFAULT-VALUE}).")
    String baseAddress;

    @Option(names = "--layout", paramLabel = "SHAPE", defaultValue = "plain",
            description = {"plain (default): configuration in the data directories, trust, pg_ctl.",
                    "debian: clusters made by pg_createcluster (configuration in /etc/postgresql/15/NAME), pg_ctlcluster"
                            + " through sudo, scram passwords in .pgpass files, SSH as " + LabLayout.DBA_USER
                            + " (created if missing) with sudo -n -u postgres, PgBouncer with an auth_file. Needs root; implies --ssh."})
    LabShape layout;

    @Option(names = "--ssh", description = "Also start an sshd on port 2222 of every lab address and write DIR/inventory-ssh.yaml.")
    boolean ssh;

    @Option(names = "--tablespace", description = {"Also a tablespace outside the data directories (" + LabLayout.TABLESPACE
            + ", a directory per host, mapped by postgres.tablespace_map in the inventory) with a table "
            + LabLayout.TABLESPACE_TABLE + " of rows in it (database postgres)."})
    boolean tablespace;

    @Option(names = "--with", paramLabel = "PART", split = ",",
            description = {"Also the other moving parts of an estate, comma-separated: " + "${COMPLETION-CANDIDATES}."},
            completionCandidates = Extras.class)
    List<String> with = List.of();

    /** The names {@code --with} takes, for help and completion. */
    static final class Extras implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Arrays.stream(LabExtra.values()).map(LabExtra::label).iterator();
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = err();
        Path where = context().workDir().resolve(dir).toAbsolutePath().normalize();
        EnumSet<LabExtra> extras = EnumSet.noneOf(LabExtra.class);
        for (String w : with) {
            extras.add(LabExtra.of(w).orElseThrow(() -> new PgrunbookException(Outcome.USAGE,
                    "--with " + w + ": unknown part", "one or more of: " + LabExtra.labels())));
        }
        LabOptions options = LabOptions.plain().ssh(ssh).shape(layout).tablespace(tablespace)
                .with(extras.toArray(LabExtra[]::new));
        Lab.LabInfo info = Lab.up(where, baseAddress, options, line -> {
            synchronized (err) {
                err.println(line);
                err.flush();
            }
        });
        PrintWriter out = out();
        if (global().json()) {
            out.println(Json.pretty(LabReport.of(info, layout == LabShape.DEBIAN, context().env())));
            out.flush();
            return ExitCodes.OK;
        }
        if (info.alreadyRunning()) {
            err.println("lab: already running in " + info.dir() + "; nothing changed");
        } else {
            out.printf("lab up in %.1f s: cluster %s in %s%n", info.took().toMillis() / 1000.0, LabLayout.CLUSTER, info.dir());
        }
        for (var h : info.hosts()) {
            out.printf("  %-4s %-8s %s:%d%s%n", h.name(), h.role(), h.address(), LabLayout.PG_PORT,
                    h.pgbouncer() ? "  pgbouncer " + h.address() + ":" + LabLayout.PGBOUNCER_PORT : "");
        }
        if (Lab.readExtras(info.dir()).contains(io.pgrunbook.lab.LabExtra.PGPOOL)) {
            String a = info.host("db1").address();
            out.printf("  pgpool-II %s:%d  pcp %s:%d (password file %s)%n", a, io.pgrunbook.lab.PgpoolLab.PORT, a,
                    io.pgrunbook.lab.PgpoolLab.PCP_PORT, info.dir().resolve("pgpool").resolve("pcppass"));
        }
        out.println("inventory: " + info.inventory());
        if (info.sshInventory() != null) {
            out.println("inventory over ssh: " + info.sshInventory());
        }
        if (layout == LabShape.DEBIAN) {
            out.println("passwords: export PGPASSFILE=" + info.dir().resolve("pgpass"));
        }
        LabReport r = LabReport.of(info, layout == LabShape.DEBIAN, context().env());
        out.println("next: " + r.next());
        out.println("stop: " + r.stop());
        out.flush();
        return ExitCodes.OK;
    }
}
