package io.pgrunbook.cli;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.lab.LabPrerequisites;
import io.pgrunbook.remote.LocalTransport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code pgrunbook demo}: the newcomer's first command. A lab, then the procedures on it, each part one sentence and
 * the real command as the operator would type it, run in this process through the same factory as main.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"A guided tour on a real cluster on this machine: builds a lab (or reuses the one running in --dir),",
                "then shows, one sentence and one command at a time: status; a switchover as a dry-run, then for real while",
                "a client writes through PgBouncer (its write gap and lost commits measured); a failover after the master is",
                "killed with kill -9; the failback; the smoke test; the final status. Ends with commands to try by hand and",
                "how to remove the lab. Needs the PostgreSQL server package and pgbouncer (it says what to install)."})
public class DemoCommand extends AbstractCommand {
    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "pglab",
            description = "Directory of the lab (default: ${DEFAULT-VALUE} in the working directory).")
    Path dir;

    @Option(names = "--base-address", paramLabel = "127.0.0.N", defaultValue = "127.0.0.11",
            description = "Address of db1; db2, db3 and db4 take the next three (default: ${DEFAULT-VALUE}).")
    String baseAddress;

    private int part;

    @Override
    public Integer call() {
        PrintWriter out = out();
        Path where = context().workDir().resolve(dir).toAbsolutePath().normalize();
        Path inv = where.resolve("inventory.yaml");
        List<LabPrerequisites.Missing> missing = LabPrerequisites.check();
        for (LabPrerequisites.Missing m : missing) {
            if (!m.needed()) {
                err().println("note: " + m.what() + " is missing: apt-get install " + m.aptPackage());
            }
        }
        String apt = LabPrerequisites.aptLine(missing, LocalTransport.runningAsRoot());
        if (apt != null) {
            throw new PgrunbookException(Outcome.REFUSED, "the demo needs " + String.join(", ", missing.stream()
                    .filter(LabPrerequisites.Missing::needed).map(LabPrerequisites.Missing::what).toList())
                    + ", missing on " + LabPrerequisites.distribution(), "install with: " + apt + "; then run pgrunbook demo again");
        }
        out.println("pgrunbook demo: a real PostgreSQL cluster on this machine's loopback addresses, and the procedures an");
        out.println("on-call DBA runs on it. Every command below is real and shown as you would type it.");

        say("A lab: db1 MASTER, db2 SLAVE, db3 BCP (streaming), db4 REPLICA (logical), PgBouncer on db1 and db2.");
        step(null, List.of("lab", "up", "--dir", where.toString(), "--base-address", baseAddress), ExitCodes.OK);

        say("Where everything stands: which node is primary, who streams from whom, where each PgBouncer points.");
        int status = step(inv, List.of("status"), -1);
        if (status != ExitCodes.OK) {
            throw new PgrunbookException(Outcome.REFUSED, "the lab in " + where + " is not in its normal state (db1 primary,"
                    + " HEALTHY); the demo starts from there", "remove it with: pgrunbook lab down --dir " + where
                    + ", then run pgrunbook demo again");
        }

        say("A switchover rehearsed first: the plan with every exact command, and the preflight checks; nothing changes.");
        step(inv, List.of("switchover", "--to", "db2", "--dry-run"), ExitCodes.OK);

        say("The switchover for real, while a client commits a row every 50 ms through PgBouncer: drill measures how"
                + " long its writes waited (RTO: they wait in a PAUSE instead of failing) and the acknowledged commits"
                + " lost (RPO).");
        step(inv, List.of("drill", "switchover", "--to", "db2", "--yes"), ExitCodes.OK);

        say("And back to db1, the MASTER, the same way.");
        step(inv, List.of("switchover", "--to", "db1", "--yes"), ExitCodes.OK);

        say("A crash: the master's postmaster is killed with kill -9, then the failover to db2 (fence, promote, repoint"
                + " PgBouncer), with the client still writing.");
        step(inv, List.of("drill", "failover", "--to", "db2", "--yes"), ExitCodes.OK);

        say("The failback: db1 is rewound (pg_rewind) to follow db2, then given the primary role back.");
        step(inv, List.of("failback", "db1", "--switchover", "--yes", "--confirm-host", "db1"), ExitCodes.OK);

        say("The logical REPLICA was fed by db1 when it died: it is re-synced from the primary.");
        step(inv, List.of("repair-replica", "db4", "--yes", "--confirm-host", "db4"), ExitCodes.OK);

        say("The smoke test: a write on the primary seen on every standby, on the REPLICA and through every PgBouncer.");
        step(inv, List.of("smoke"), ExitCodes.OK);

        say("The final status: back to normal.");
        step(inv, List.of("status"), ExitCodes.OK);

        out.println();
        out.println("Try by hand (every procedure: --dry-run shows the plan, without --yes each step asks first):");
        for (String c : List.of("status", "switchover --to db2", "failover --to db2 --dry-run", "drill failover",
                "history", "doctor", "logs db1 -n 20", "pgbouncer show")) {
            out.println("  pgrunbook -i " + inv + " " + c);
        }
        out.println("The drills' reports (Markdown, JSON, SVG) are next to the journals: " + io.pgrunbook.runbook.Journal.runsDir(context().stateDir()));
        out.println("Remove the lab: pgrunbook lab down --dir " + where);
        out.flush();
        return ExitCodes.OK;
    }

    /** The outcome a command's exit code stands for; a success where another code was expected is a failure. */
    private static Outcome outcome(int code) {
        for (Outcome o : Outcome.values()) {
            if (o != Outcome.OK && ExitCodes.of(o) == code) {
                return o;
            }
        }
        return Outcome.FAILED;
    }

    private void say(String sentence) {
        PrintWriter out = out();
        out.println();
        out.println(++part + ". " + sentence);
        out.flush();
    }

    /** Shows and runs one command; a result other than {@code expected} (-1: any) stops the demo with that code. */
    private int step(Path inventory, List<String> command, int expected) {
        List<String> args = new ArrayList<>();
        if (inventory != null) {
            args.addAll(List.of("-i", inventory.toString()));
        }
        if (global().noColor()) {
            args.add("--no-color");
        }
        args.addAll(command);
        PrintWriter out = out();
        out.println("$ pgrunbook " + String.join(" ", args.stream().filter(a -> !a.equals("--no-color")).toList()));
        out.flush();
        int code = Cli.run(context(), out, err(), args.toArray(String[]::new));
        if (expected >= 0 && code != expected) {
            throw new PgrunbookException(outcome(code), "demo stopped: 'pgrunbook "
                    + String.join(" ", command) + "' ended with exit " + code, "see above; the lab stays for a look"
                    + " (pgrunbook -i " + (inventory == null ? dir.resolve("inventory.yaml") : inventory) + " status);"
                    + " remove it with: pgrunbook lab down --dir " + context().workDir().resolve(dir).toAbsolutePath().normalize());
        }
        return code;
    }
}
