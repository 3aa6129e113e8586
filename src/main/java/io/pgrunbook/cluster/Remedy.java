package io.pgrunbook.cluster;

import io.pgrunbook.cluster.RemedyTable.PgBouncerTo;
import io.pgrunbook.cluster.RemedyTable.Row;
import io.pgrunbook.cluster.RemedyTable.Side;
import io.pgrunbook.inventory.Role;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What to start on a node that came back, decided from the live state only (pure: no I/O). A MASTER or SLAVE goes by
 * {@link RemedyTable}; a BCP only ever starts as a standby of the live primary; a REPLICA starts and has its
 * subscription enabled when the primary is there. The runbook {@code remedy} carries the decision out.
 */
public final class Remedy {
    private Remedy() {
    }

    /**
     * The decision for one node.
     *
     * @param row        the table row used (MASTER and SLAVE only)
     * @param why        how each node was classified, in words, for the operator
     * @param startDb    start PostgreSQL on the node as it is configured
     * @param follow     configure the node as a standby of this host and start it (a BCP with no standby.signal); null: no
     * @param feed       the REPLICA whose subscription is enabled; null: the feed is not started
     * @param pgbouncer  where the node's PgBouncer is pointed (started first when down); null: PgBouncer is left alone
     * @param refusal    why the node's database is not started although it came back (split brain); null: it is
     * @param hint       what to run next after a refusal
     * @param notes      anything else the operator should read
     */
    public record Decision(String host, Role role, Row row, List<String> why, boolean startDb, String follow, String feed,
                           String pgbouncer, String refusal, String hint, List<String> notes, boolean londisteFeed) {
        public Decision(String host, Role role, Row row, List<String> why, boolean startDb, String follow, String feed,
                        String pgbouncer, String refusal, String hint, List<String> notes) {
            this(host, role, row, why, startDb, follow, feed, pgbouncer, refusal, hint, notes, false);
        }

        /** This decision, its feed named as the Londiste worker it is when the REPLICA is fed by Londiste. */
        Decision londiste(ClusterState state) {
            boolean l = feed != null && state.node(feed).map(f -> f.londiste() != null).orElse(false);
            return l == londisteFeed ? this : new Decision(host, role, row, why, startDb, follow, feed, pgbouncer, refusal, hint,
                    notes, l);
        }

        /** Parameters of the runbook {@code remedy}: every host parameter has a value, the booleans say what runs. */
        public Map<String, String> params() {
            Map<String, String> p = new LinkedHashMap<>();
            p.put("node", host);
            p.put("start_db", String.valueOf(startDb));
            p.put("follow", String.valueOf(follow != null));
            p.put("upstream", follow != null ? follow : host);
            p.put("feed", String.valueOf(feed != null));
            p.put("replica", feed != null ? feed : host);
            p.put("pgbouncer", String.valueOf(pgbouncer != null));
            p.put("pgbouncer_to", pgbouncer != null ? pgbouncer : host);
            return p;
        }

        /** The explanation: the node classification, the role's table with the row used marked, what will be done. */
        public String explain() {
            StringBuilder b = new StringBuilder();
            b.append("remedy ").append(host).append(" (").append(role).append("):\n");
            for (String w : why) {
                b.append("  ").append(w).append('\n');
            }
            if (row != null) {
                b.append(role).append(" remedy table (row used marked >):\n");
                b.append("    ").append(RemedyTable.header(role)).append('\n');
                for (Row r : RemedyTable.rows(role)) {
                    b.append(r.equals(row) ? "  > " : "    ").append(r.render()).append('\n');
                }
            }
            b.append("Remedy: ");
            List<String> todo = new ArrayList<>();
            if (startDb) {
                todo.add("start PostgreSQL on " + host);
            }
            if (follow != null) {
                todo.add("configure " + host + " as a standby of " + follow + " and start it");
            }
            if (feed != null) {
                todo.add(londisteFeed ? "start the Londiste worker of " + feed + " (its feed from the primary)"
                        : "start the logical feed (enable the subscription on " + feed + ")");
            }
            if (pgbouncer != null) {
                todo.add("point PgBouncer on " + host + " to " + pgbouncer + " (starting it if down)");
            }
            b.append(todo.isEmpty() ? "nothing to start" : String.join("; ", todo)).append('\n');
            for (String n : notes) {
                b.append("  note: ").append(n).append('\n');
            }
            return b.toString();
        }
    }

    /** Thrown when the node cannot be classified or must not be started at all: the reason, and what to do. */
    public static final class Refused extends RuntimeException {
        private final String hint;

        public Refused(String message, String hint) {
            super(message);
            this.hint = hint;
        }

        public String hint() {
            return hint;
        }
    }

    /** How the node that came back counts: a live primary or standby, or down and configured as one (its data dir). */
    static Side self(NodeState n) {
        return switch (n.state()) {
            case PRIMARY -> Side.ACTIVE;
            case STANDBY -> Side.STANDBY;
            case DOWN -> {
                if (n.standbySignal() == null) {
                    throw new Refused(n.name() + " is down and its data directory could not be read (standby.signal"
                            + " unknown): cannot tell whether it would start as a primary" + detail(n),
                            "check that pgrunbook can run commands on " + n.name() + " as its become user ('pgrunbook doctor')");
                }
                yield n.standbySignal() ? Side.STANDBY : Side.ACTIVE;
            }
            case UNKNOWN -> throw new Refused(n.name() + " is unreachable: nothing can be started on it" + detail(n),
                    "check the host and SSH, then run 'pgrunbook status'");
            case LOGICAL -> throw new Refused(n.name() + " (" + n.role() + ") runs as a logical node, not as a "
                    + n.role() + ": the remedy table does not apply", "see 'pgrunbook status'");
        };
    }

    /**
     * How the partner counts: live primary or standby; down counts by its data directory like the node itself (a
     * promoted SLAVE that crashed would start as a primary again: starting the MASTER too would be a split brain);
     * unreachable, or down with an unreadable data directory, is unknown.
     */
    static Side partner(NodeState n) {
        if (n == null) {
            return Side.UNKNOWN;
        }
        return switch (n.state()) {
            case PRIMARY -> Side.ACTIVE;
            case STANDBY -> Side.STANDBY;
            case DOWN -> n.standbySignal() == null ? Side.UNKNOWN : n.standbySignal() ? Side.STANDBY : Side.ACTIVE;
            default -> Side.UNKNOWN;
        };
    }

    static String describe(NodeState n, Side side) {
        if (n == null) {
            return "no such host in the inventory";
        }
        String how = switch (n.state()) {
            case PRIMARY -> "live primary (timeline " + n.timeline() + ")";
            case STANDBY -> "live standby" + (n.upstream() != null ? ", streaming from " + n.upstream() : ", not streaming");
            case DOWN -> n.standbySignal() == null ? "down, data directory unreadable"
                    : n.standbySignal() ? "down, standby.signal in its data directory"
                    : "down, no standby.signal or recovery.conf in its data directory (it would start as a primary)";
            case UNKNOWN -> "unreachable" + detail(n);
            case LOGICAL -> "logical node";
        };
        return n.name() + " (" + n.role() + ") is " + side.word() + ": " + how;
    }

    private static String detail(NodeState n) {
        return n.error() == null ? "" : " (" + n.error() + ")";
    }

    private static Optional<NodeState> first(ClusterState s, Role role) {
        return s.hosts().stream().filter(n -> n.role() == role).findFirst();
    }

    /**
     * Decides the remedy for {@code host}.
     *
     * @param runsPgBouncer whether the inventory gives the host a PgBouncer
     * @throws Refused when nothing may be started (unreachable, unreadable, a BCP with no primary to follow)
     */
    public static Decision decide(ClusterState state, String host, boolean runsPgBouncer) {
        NodeState n = state.node(host).orElseThrow(() -> new Refused(host + " is not a host of cluster " + state.cluster(), null));
        Decision d = switch (n.role()) {
            case MASTER, SLAVE -> table(state, n, runsPgBouncer);
            case BCP -> bcp(state, n);
            case REPLICA -> replica(state, n);
        };
        return d.londiste(state);
    }

    private static Decision table(ClusterState state, NodeState n, boolean runsPgBouncer) {
        Role partnerRole = n.role() == Role.MASTER ? Role.SLAVE : Role.MASTER;
        NodeState p = first(state, partnerRole).orElse(null);
        Side self = self(n);
        Side other = partner(p);
        Row row = RemedyTable.lookup(n.role(), self, other).orElseThrow();
        List<String> why = new ArrayList<>(List.of(describe(n, self),
                p == null ? "no " + partnerRole + " in the inventory: counts as unknown" : describe(p, other)));
        List<String> notes = new ArrayList<>();
        boolean down = n.state() == LiveState.DOWN;
        if (row.startDb() && !down) {
            notes.add(n.name() + " already runs: nothing to start");
        }
        String feed = null;
        if (row.startFeed()) {
            Optional<NodeState> replica = first(state, Role.REPLICA);
            if (replica.isEmpty()) {
                notes.add("no REPLICA in the inventory: no logical feed to start");
            } else if (replica.get().state() != LiveState.LOGICAL) {
                notes.add("the REPLICA " + replica.get().name() + " is " + replica.get().state().json()
                        + ": its feed cannot be started now; run 'pgrunbook remedy " + replica.get().name() + "' when it is back");
            } else {
                feed = replica.get().name();
            }
        } else {
            notes.add("the logical feed is not started by this row (left as it is)");
        }
        String pgb = null;
        if (row.pgbouncer() != PgBouncerTo.NONE) {
            Role to = row.pgbouncer() == PgBouncerTo.MASTER ? Role.MASTER : Role.SLAVE;
            String target = to == n.role() ? n.name() : p != null ? p.name() : null;
            if (!runsPgBouncer) {
                notes.add(n.name() + " runs no PgBouncer: nothing to point");
            } else if (target == null) {
                notes.add("no " + to + " in the inventory: PgBouncer left alone");
            } else {
                pgb = target;
            }
        } else if (runsPgBouncer) {
            notes.add("PgBouncer on " + n.name() + " is not started or repointed by this row");
        }
        if (other == Side.UNKNOWN && p != null && p.state() == LiveState.DOWN) {
            notes.add(p.name() + " is down and pgrunbook could not read its data directory");
        }
        String refusal = null;
        String hint = null;
        if (!row.startDb()) {
            refusal = "SPLIT BRAIN: " + n.name() + " (MASTER) and " + p.name() + " (SLAVE) would both run as primary."
                    + " The SLAVE wins: " + n.name() + "'s database is NOT started.";
            hint = "rejoin " + n.name() + " as a standby of " + p.name() + ": pgrunbook failback " + n.name();
        }
        return new Decision(n.name(), n.role(), row, why, row.startDb() && down, null, feed, pgb, refusal, hint, notes);
    }

    private static Decision bcp(ClusterState state, NodeState n) {
        Side self = self(n);
        List<String> why = new ArrayList<>(List.of(describe(n, self)));
        List<String> notes = new ArrayList<>();
        String primary = state.primary();
        why.add(primary != null ? "the live primary is " + primary : "no single live primary (verdict " + state.verdict() + ")");
        if (n.state() != LiveState.DOWN) {
            if (n.isPrimary()) {
                notes.add(n.name() + " runs as a primary: a BCP is promoted only on purpose; see 'pgrunbook status'");
            } else {
                notes.add(n.name() + " already runs as a standby: nothing to start");
            }
            return new Decision(n.name(), n.role(), null, why, false, null, null, null, null, null, notes);
        }
        if (self == Side.STANDBY) {
            return new Decision(n.name(), n.role(), null, why, true, null, null, null, null, null, notes);
        }
        if (primary == null) {
            throw new Refused(n.name() + " (BCP) has no standby.signal, so it would start as a primary, and there is no"
                    + " single live primary for it to follow (verdict " + state.verdict() + "): not started",
                    "bring the primary back first ('pgrunbook remedy' on it), then run 'pgrunbook remedy " + n.name() + "' again");
        }
        notes.add("a BCP never starts as a primary: it is configured to follow " + primary + " first (slot, primary_conninfo, standby.signal)");
        return new Decision(n.name(), n.role(), null, why, false, primary, null, null, null, null, notes);
    }

    private static Decision replica(ClusterState state, NodeState n) {
        if (n.state() == LiveState.UNKNOWN) {
            self(n); // throws: unreachable
        }
        List<String> why = new ArrayList<>();
        why.add(n.name() + " (REPLICA) is " + (n.state() == LiveState.DOWN ? "down" : n.state().json()) + detail(n));
        String primary = state.primary();
        why.add(primary != null ? "the live primary is " + primary : "no single live primary (verdict " + state.verdict() + ")");
        List<String> notes = new ArrayList<>();
        boolean down = n.state() == LiveState.DOWN;
        if (!down) {
            notes.add(n.name() + " already runs: nothing to start");
        }
        String feed = primary != null ? n.name() : null;
        if (feed == null) {
            notes.add("the subscription is not enabled: no live primary to feed it");
        }
        return new Decision(n.name(), n.role(), null, why, down, null, feed, null, null, null, notes);
    }
}
