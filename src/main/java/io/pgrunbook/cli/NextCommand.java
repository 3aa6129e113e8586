package io.pgrunbook.cli;

import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.LiveState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.cluster.Repair;
import io.pgrunbook.inventory.Role;
import io.pgrunbook.remote.Shell;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The one command an operator most likely wants after an outcome, with host names filled in, as a line that can be
 * pasted: the launcher as it was called ({@code PGRUNBOOK_COMMAND}, set by bin/pgrunbook) and the {@code -i}/{@code -c}
 * given to this command, so that it reaches the same cluster.
 */
public final class NextCommand {
    private final String prefix;

    NextCommand(String prefix) {
        this.prefix = prefix;
    }

    /** The program alone, for contexts without global options. */
    public static String program(java.util.Map<String, String> env) {
        String p = env.get("PGRUNBOOK_COMMAND");
        return p == null || p.isBlank() ? "pgrunbook" : p.contains(" ") ? Shell.quote(p) : p;
    }

    public static NextCommand of(CliContext context, GlobalOptions global) {
        StringBuilder b = new StringBuilder(program(context.env()));
        if (global.inventory() != null) {
            b.append(" -i ").append(Shell.quote(global.inventory().toString()));
        }
        if (global.cluster() != null) {
            b.append(" -c ").append(Shell.quote(global.cluster()));
        }
        return new NextCommand(b.toString());
    }

    static NextCommand of(AbstractCommand cmd) {
        return of(cmd.context(), cmd.global());
    }

    /** The program and the options that name the cluster: what an engine's own "next:" lines start with. */
    public String prefix() {
        return prefix;
    }

    /** {@code args} after the program: {@code failback db1} becomes {@code pgrunbook -i inv.yaml failback db1}. */
    public String command(String args) {
        return prefix + " " + args;
    }

    public String line(String args) {
        return "next: " + command(args);
    }

    /** A command written as {@code pgrunbook ...} in a message, rewritten to start with this prefix. */
    public String rewrite(String pgrunbookCommand) {
        return pgrunbookCommand.startsWith("pgrunbook ") ? command(pgrunbookCommand.substring("pgrunbook ".length())) : pgrunbookCommand;
    }

    /**
     * After a refusal or a failure: the first pgrunbook command its hint names, else {@code fallback} (the arguments
     * after the program), else {@code status}.
     */
    public String afterError(String hint, String fallback) {
        String named = io.pgrunbook.runbook.NamedCommand.in(hint);
        return command(named != null ? named : fallback != null ? fallback : "status");
    }

    /**
     * What to run for a cluster in this state (the arguments after the program), null when it is HEALTHY. Pure: from
     * the probe only, with {@link Repair}'s choice of procedure for the node that needs it.
     */
    public static String forState(ClusterState s) {
        List<NodeState> primaries = s.hosts().stream().filter(n -> n.role().isPhysical() && n.isPrimary()).toList();
        Optional<NodeState> master = s.hosts().stream().filter(n -> n.role() == Role.MASTER).findFirst();
        return switch (s.verdict()) {
            case HEALTHY -> null;
            case UNKNOWN -> "doctor";
            case SPLIT_BRAIN -> {
                // the designed MASTER is the side that loses (FailbackChoice: the promoted node wins); else the BCP
                NodeState loser = primaries.stream().filter(n -> n.role() == Role.MASTER).findFirst()
                        .or(() -> primaries.stream().filter(n -> n.role() == Role.BCP).findFirst())
                        .orElse(primaries.get(primaries.size() - 1));
                yield "failback " + loser.name();
            }
            case NO_PRIMARY -> {
                if (master.isPresent() && master.get().state() == LiveState.DOWN) {
                    yield "remedy " + master.get().name();
                }
                // a MASTER that runs as a standby (after a failback) is the designed primary: it goes first
                Optional<NodeState> target = candidate(s, Role.MASTER).or(() -> candidate(s, Role.SLAVE)).or(() -> candidate(s, Role.BCP));
                yield target.map(t -> "failover --to " + t.name()).orElse("doctor");
            }
            case FAILOVER_STATE -> {
                if (master.isEmpty()) {
                    yield "doctor";
                }
                NodeState m = master.get();
                if (m.state() == LiveState.STANDBY && m.streaming()) {
                    yield "switchover --to " + m.name();
                }
                if (m.state() == LiveState.UNKNOWN) {
                    // after a failover the old master is often unreachable: the failback is what to run once it is back
                    yield "failback " + m.name();
                }
                String fix = procedure(Repair.decide(s, m.name()));
                yield fix != null ? fix : "repair " + m.name();
            }
            case DEGRADED -> degraded(s);
        };
    }

    private static Optional<NodeState> candidate(ClusterState s, Role role) {
        return s.hosts().stream().filter(n -> n.role() == role && n.state() == LiveState.STANDBY).findFirst();
    }

    private static String degraded(ClusterState s) {
        List<String> fixes = new ArrayList<>();
        for (NodeState n : s.hosts()) {
            if (n.isPrimary()) {
                continue;
            }
            String fix = procedure(Repair.decide(s, n.name()));
            if (fix != null) {
                fixes.add(fix);
            }
        }
        if (!fixes.isEmpty()) {
            return fixes.get(0);
        }
        if (s.hosts().stream().anyMatch(n -> !n.pgbouncerPaused().isEmpty())) {
            return "pgbouncer resume";
        }
        if (s.primary() != null && s.hosts().stream().anyMatch(n -> n.pgbouncerTarget() != null && n.pgbouncerError() == null
                && !n.pgbouncerTarget().equals(s.primary()))) {
            return "pgbouncer point --to " + s.primary();
        }
        // lag, paused replay, an unreachable node: nothing to run yet, watch it
        return "status --watch 5";
    }

    /** The command of a repair choice; null for nothing to do or a refusal. */
    static String procedure(Repair.Choice c) {
        return switch (c.procedure()) {
            case FAILBACK -> "failback " + c.host();
            case REBUILD -> "rebuild " + c.host();
            case REMEDY -> "remedy " + c.host();
            case REPAIR_REPLICA -> "repair-replica " + c.host();
            case NOTHING, REFUSE -> null;
        };
    }

    /**
     * The command line of this invocation as it would run for real: {@code --dry-run} dropped, {@code plan} turned
     * into {@code run}. For a dry-run's summary line.
     */
    public static String forReal(java.util.Map<String, String> env, List<String> originalArgs) {
        List<String> words = new ArrayList<>();
        words.add(program(env));
        boolean commandSeen = false;
        boolean value = false;
        for (String a : originalArgs) {
            if (a.equals("--dry-run")) {
                continue;
            }
            if (value) {
                value = false;
            } else if (!commandSeen && !a.startsWith("-")) {
                commandSeen = true;
                if (a.equals("plan")) {
                    a = "run";
                }
            } else if (!commandSeen) {
                value = List.of("-i", "--inventory", "-c", "--cluster", "-o", "--output").contains(a);
            }
            words.add(a.matches("[A-Za-z0-9_./=:,@%+-]+") ? a : Shell.quote(a));
        }
        return String.join(" ", words);
    }
}
