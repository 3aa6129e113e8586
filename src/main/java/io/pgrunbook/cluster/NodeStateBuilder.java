package io.pgrunbook.cluster;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Role;
import io.pgrunbook.pgbouncer.PauseGuard;

import java.util.List;
import java.util.Map;

/**
 * Collects a node's facts during a probe, then freezes them into a {@link NodeState}. Hand-made states (tests, what-if
 * views) start from {@link #node} or {@link #from} and set only the facts they mean, by name.
 */
public final class NodeStateBuilder {
    final Host host; // null for a hand-made node
    private final String name;
    private final String address;
    private final Role role;
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
    PauseGuard.State pgbouncerGuard;
    LondisteState londiste;

    NodeStateBuilder(Host host) {
        this.host = host;
        this.name = host.name();
        this.address = host.address();
        this.role = host.role();
    }

    private NodeStateBuilder(String name, String address, Role role) {
        this.host = null;
        this.name = name;
        this.address = address;
        this.role = role;
    }

    /** A node made by hand: every fact unknown (state UNKNOWN) until set. */
    public static NodeStateBuilder node(String name, String address, Role role) {
        return new NodeStateBuilder(name, address, role);
    }

    /** A copy of {@code n} whose facts can be changed one by one. */
    public static NodeStateBuilder from(NodeState n) {
        NodeStateBuilder b = new NodeStateBuilder(n.name(), n.address(), n.role());
        b.copy(n);
        return b;
    }

    NodeStateBuilder(Host host, NodeState n) {
        this(host);
        copy(n);
    }

    private void copy(NodeState n) {
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

    public NodeStateBuilder state(LiveState v) {
        state = v;
        return this;
    }

    public NodeStateBuilder timeline(Integer v) {
        timeline = v;
        return this;
    }

    public NodeStateBuilder lsn(String v) {
        lsn = v;
        return this;
    }

    public NodeStateBuilder receivedLsn(String v) {
        receivedLsn = v;
        return this;
    }

    public NodeStateBuilder replayLsn(String v) {
        replayLsn = v;
        return this;
    }

    public NodeStateBuilder lagBytes(Long v) {
        lagBytes = v;
        return this;
    }

    public NodeStateBuilder replayPaused(Boolean v) {
        replayPaused = v;
        return this;
    }

    public NodeStateBuilder upstream(String v) {
        upstream = v;
        return this;
    }

    public NodeStateBuilder pgbouncerTarget(String v) {
        pgbouncerTarget = v;
        return this;
    }

    public NodeStateBuilder pgbouncerTargets(Map<String, String> v) {
        pgbouncerTargets = v;
        return this;
    }

    public NodeStateBuilder systemIdentifier(String v) {
        systemIdentifier = v;
        return this;
    }

    /** {@code num} as server_version_num (150000), {@code text} as server_version ("15.0"). */
    public NodeStateBuilder version(Integer num, String text) {
        serverVersionNum = num;
        serverVersion = text;
        return this;
    }

    public NodeStateBuilder downstreams(List<NodeState.Downstream> v) {
        downstreams = v;
        return this;
    }

    public NodeStateBuilder subscriptions(List<NodeState.Subscription> v) {
        subscriptions = v;
        return this;
    }

    public NodeStateBuilder standbySignal(Boolean v) {
        standbySignal = v;
        return this;
    }

    public NodeStateBuilder error(String v) {
        error = v;
        return this;
    }

    public NodeStateBuilder probeMillis(long v) {
        probeMillis = v;
        return this;
    }

    public NodeStateBuilder receiverStatus(String v) {
        receiverStatus = v;
        return this;
    }

    public NodeStateBuilder pgbouncerError(String v) {
        pgbouncerError = v;
        return this;
    }

    public NodeStateBuilder pgbouncerGuard(PauseGuard.State v) {
        pgbouncerGuard = v;
        return this;
    }

    public NodeState build() {
        return new NodeState(name, address, role, state, timeline, lsn, receivedLsn, replayLsn,
                lagBytes, replayPaused, upstream, pgbouncerTarget, pgbouncerTargets, systemIdentifier, serverVersionNum,
                serverVersion, downstreams, subscriptions, standbySignal, error, probeMillis, receiverStatus, pgbouncerError,
                pgbouncerGuard, londiste);
    }
}
