package io.pgrunbook.cluster;

import io.pgrunbook.inventory.Role;
import io.pgrunbook.pgbouncer.PauseGuard;

import java.util.List;
import java.util.Map;

/**
 * One host as probed now. LSNs are PostgreSQL text form (0/3000148). {@code lsn} is the current WAL position on a
 * primary or logical node, the replayed position on a standby. Absent values are null.
 *
 * @param receivedLsn       last WAL received and flushed by a standby's walreceiver
 * @param replayLsn         last WAL replayed by a standby
 * @param lagBytes          bytes of WAL between the live primary's current position and this standby's replay
 * @param upstream          inventory name (or address) of the node this one streams or subscribes from
 * @param pgbouncerTarget   for a PgBouncer host: the node its configured databases point to ("mixed: ..." if several)
 * @param pgbouncerTargets  for a PgBouncer host: database name to "host:port" as PgBouncer reports it
 * @param downstreams       application names streaming from this node (pg_stat_replication), with their state
 * @param standbySignal     whether the data directory holds standby.signal or recovery.conf (null: not looked at)
 * @param error             why the probe could not see more, for the operator
 * @param receiverStatus    a standby's walreceiver status ("streaming", ...); null when it has none
 * @param pgbouncerError    why the PgBouncer console could not be read
 * @param pgbouncerGuard    for a PgBouncer host: the state file of a pgrunbook PAUSE guard there (null: none)
 * @param londiste          for a REPLICA of kind londiste: its worker, provider, lag and ticker (null: any other host)
 */
public record NodeState(String name, String address, Role role, LiveState state, Integer timeline, String lsn,
                        String receivedLsn, String replayLsn, Long lagBytes, Boolean replayPaused, String upstream,
                        String pgbouncerTarget, Map<String, String> pgbouncerTargets, String systemIdentifier,
                        Integer serverVersionNum, String serverVersion, List<Downstream> downstreams,
                        List<Subscription> subscriptions, Boolean standbySignal, String error, long probeMillis,
                        String receiverStatus, String pgbouncerError, PauseGuard.State pgbouncerGuard,
                        LondisteState londiste) {

    /** A node that is not a Londiste REPLICA. */
    public NodeState(String name, String address, Role role, LiveState state, Integer timeline, String lsn,
                     String receivedLsn, String replayLsn, Long lagBytes, Boolean replayPaused, String upstream,
                     String pgbouncerTarget, Map<String, String> pgbouncerTargets, String systemIdentifier,
                     Integer serverVersionNum, String serverVersion, List<Downstream> downstreams,
                     List<Subscription> subscriptions, Boolean standbySignal, String error, long probeMillis,
                     String receiverStatus, String pgbouncerError, PauseGuard.State pgbouncerGuard) {
        this(name, address, role, state, timeline, lsn, receivedLsn, replayLsn, lagBytes, replayPaused, upstream,
                pgbouncerTarget, pgbouncerTargets, systemIdentifier, serverVersionNum, serverVersion, downstreams,
                subscriptions, standbySignal, error, probeMillis, receiverStatus, pgbouncerError, pgbouncerGuard, null);
    }

    /** A node with no PAUSE guard seen (hand-made states, hosts without PgBouncer). */
    public NodeState(String name, String address, Role role, LiveState state, Integer timeline, String lsn,
                     String receivedLsn, String replayLsn, Long lagBytes, Boolean replayPaused, String upstream,
                     String pgbouncerTarget, Map<String, String> pgbouncerTargets, String systemIdentifier,
                     Integer serverVersionNum, String serverVersion, List<Downstream> downstreams,
                     List<Subscription> subscriptions, Boolean standbySignal, String error, long probeMillis,
                     String receiverStatus, String pgbouncerError) {
        this(name, address, role, state, timeline, lsn, receivedLsn, replayLsn, lagBytes, replayPaused, upstream,
                pgbouncerTarget, pgbouncerTargets, systemIdentifier, serverVersionNum, serverVersion, downstreams,
                subscriptions, standbySignal, error, probeMillis, receiverStatus, pgbouncerError, null);
    }

    /** The managed databases its PgBouncer has paused now (empty: none, or no PgBouncer). */
    public List<String> pgbouncerPaused() {
        return pgbouncerTargets == null ? List.of() : pgbouncerTargets.entrySet().stream()
                .filter(e -> e.getValue().endsWith("(paused)")).map(Map.Entry::getKey).toList();
    }

    /** A walsender on this node: who streams from it, in what state, how far. */
    public record Downstream(String applicationName, String clientAddr, String state, String syncState,
                             String replayLsn, String slotName) {
    }

    /** A logical subscription on a REPLICA. */
    public record Subscription(String name, boolean enabled, boolean workerRunning, String receivedLsn,
                               String lastMsgReceiptTime, String conninfoHost, String slotName) {
    }

    /** A standby whose walreceiver streams now. */
    public boolean streaming() {
        return state == LiveState.STANDBY && "streaming".equals(receiverStatus);
    }

    public boolean isPrimary() {
        return state == LiveState.PRIMARY;
    }

    public boolean reachable() {
        return state != LiveState.UNKNOWN && state != LiveState.DOWN;
    }
}
