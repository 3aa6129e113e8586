package io.pgrunbook.cli;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.runbook.Executor;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** How a procedure runs: --dry-run, --yes, --confirm-host, --param, --break-lock. */
public class ExecutionOptions {
    @Option(names = "--dry-run", description = "Show the plan and run the preflight checks; change nothing.")
    boolean dryRun;

    @Option(names = {"-y", "--yes"}, description = "Answer yes to every step except destructive ones (see --confirm-host).")
    boolean yes;

    @Option(names = "--confirm-host", paramLabel = "NAME",
            description = "Confirm destructive steps on this host without a prompt (repeatable).")
    List<String> confirmHosts = new java.util.ArrayList<>();

    @Option(names = {"-p", "--param"}, paramLabel = "KEY=VALUE", description = "A runbook parameter (repeatable).")
    Map<String, String> params = new LinkedHashMap<>();

    @Option(names = "--break-lock", description = "Remove a stale lock on the cluster (its holder is gone) and run.")
    boolean breakLock;

    public Executor.Options options() {
        Set<String> hosts = new LinkedHashSet<>(confirmHosts);
        return new Executor.Options(dryRun, yes, hosts, breakLock);
    }

    /** A --confirm-host that names no host of the cluster is a typo that would leave a destructive step unconfirmed. */
    void checkHosts(io.pgrunbook.inventory.Cluster cluster) {
        for (String h : confirmHosts) {
            if (cluster.host(h).isEmpty()) {
                throw new PgrunbookException(Outcome.USAGE, "--confirm-host " + h + ": cluster " + cluster.name()
                        + " has no host of that name", "its hosts: " + String.join(", ",
                        cluster.hosts().stream().map(io.pgrunbook.inventory.Host::name).toList()));
            }
        }
    }

    public Map<String, String> params() {
        return params;
    }

    public boolean dryRun() {
        return dryRun;
    }
}
