package io.pgrunbook.cluster;

import io.pgrunbook.inventory.Host;

import java.util.List;
import java.util.Map;

/** Collects a node's facts during a probe, then freezes them into a {@link NodeState}. */
final class NodeStateBuilder {
    final Host host;
    LiveState state = LiveState.UNKNOWN;
    Integer timeline;
    String lsn;
    String receivedLsn;
    String replayLsn;
    Long lagBytes;
    Boolean replayPaused;
    String upstream;
    String pgbouncerTarget;
    Map<String, String> pgbouncerTargets;
    String systemIdentifier;
    Integer serverVersionNum;
    String serverVersion;
    List<NodeState.Downstream> downstreams = List.of();
    List<NodeState.Subscription> subscriptions = List.of();
    Boolean standbySignal;
    String error;
    long probeMillis;
    String receiverStatus;
    String pgbouncerError;
    io.pgrunbook.pgbouncer.PauseGuard.State pgbouncerGuard;
    LondisteState londiste;

    NodeStateBuilder(Host host) {
        this.host = host;
    }

    NodeStateBuilder(Host host, NodeState n) {
        this.host = host;
        state = n.state();
        timeline = n.timeline();
        lsn = n.lsn();
        receivedLsn = n.receivedLsn();
        replayLsn = n.replayLsn();
        lagBytes = n.lagBytes();
        replayPaused = n.replayPaused();
        upstream = n.upstream();
        pgbouncerTarget = n.pgbouncerTarget();
        pgbouncerTargets = n.pgbouncerTargets();
        systemIdentifier = n.systemIdentifier();
        serverVersionNum = n.serverVersionNum();
        serverVersion = n.serverVersion();
        downstreams = n.downstreams();
        subscriptions = n.subscriptions();
        standbySignal = n.standbySignal();
        error = n.error();
        probeMillis = n.probeMillis();
        receiverStatus = n.receiverStatus();
        pgbouncerError = n.pgbouncerError();
        pgbouncerGuard = n.pgbouncerGuard();
        londiste = n.londiste();
    }

    NodeState build() {
        return new NodeState(host.name(), host.address(), host.role(), state, timeline, lsn, receivedLsn, replayLsn,
                lagBytes, replayPaused, upstream, pgbouncerTarget, pgbouncerTargets, systemIdentifier, serverVersionNum,
                serverVersion, downstreams, subscriptions, standbySignal, error, probeMillis, receiverStatus, pgbouncerError,
                pgbouncerGuard, londiste);
    }
}
