package io.pgrunbook.cli;

import io.pgrunbook.lab.Lab;
import io.pgrunbook.lab.LabLayout;
import io.pgrunbook.lab.LabShape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;

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

    @Override
    public Integer call() {
        PrintWriter err = err();
        Path where = context().workDir().resolve(dir).toAbsolutePath().normalize();
        Lab.LabInfo info = Lab.up(where, baseAddress, ssh, layout, tablespace, line -> {
            synchronized (err) {
                err.println(line);
                err.flush();
            }
        });
        PrintWriter out = out();
        if (info.alreadyRunning()) {
            err.println("lab: already running in " + info.dir() + "; nothing changed");
        } else {
            out.printf("lab up in %.1f s: cluster %s in %s%n", info.took().toMillis() / 1000.0, LabLayout.CLUSTER, info.dir());
        }
        for (var h : info.hosts()) {
            out.printf("  %-4s %-8s %s:%d%s%n", h.name(), h.role(), h.address(), LabLayout.PG_PORT,
                    h.pgbouncer() ? "  pgbouncer " + h.address() + ":" + LabLayout.PGBOUNCER_PORT : "");
        }
        out.println("inventory: " + info.inventory());
        if (info.sshInventory() != null) {
            out.println("inventory over ssh: " + info.sshInventory());
        }
        if (layout == LabShape.DEBIAN) {
            out.println("passwords: export PGPASSFILE=" + info.dir().resolve("pgpass"));
        }
        out.println("next: pgrunbook -i " + info.inventory() + " status");
        out.println("stop: pgrunbook lab down --dir " + info.dir());
        out.flush();
        return ExitCodes.OK;
    }
}
