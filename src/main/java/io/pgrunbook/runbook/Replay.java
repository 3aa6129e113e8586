package io.pgrunbook.runbook;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgrunbook.action.Hazard;
import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.LiveState;
import io.pgrunbook.cluster.NodeState;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A journal read back for {@code resume}: which steps are done, which hazards the run left open (a run killed with
 * -9 undid nothing), which promotions it attempted, and whether the live cluster still fits the run.
 */
public final class Replay {
    private final String startPrimary;
    private final Set<Integer> done = new TreeSet<>();
    /** The first step whose effect was undone when the run stopped (MAX_VALUE: none). */
    private int firstUndone = Integer.MAX_VALUE;
    private final Map<String, Hazard> open = new LinkedHashMap<>();
    /** Host -> step number of every promotion the run attempted (started, whatever its outcome). */
    private final Map<String, Integer> promoted = new LinkedHashMap<>();

    private Replay(String startPrimary) {
        this.startPrimary = startPrimary;
    }

    public static Replay of(List<JsonNode> events) {
        JsonNode start = events.get(0);
        Replay r = new Replay(start.path("primary").isNull() ? null : start.path("primary").asText(null));
        for (JsonNode e : events) {
            String kind = e.path("event").asText();
            switch (kind) {
                case "step_result" -> {
                    String res = e.path("result").asText();
                    int n = e.path("number").asInt();
                    if (res.equals("undone")) {
                        r.firstUndone = Math.min(r.firstUndone, n);
                    }
                    if (res.equals("ok") || res.equals("skipped") || res.equals("done")) {
                        r.done.add(n);
                    } else {
                        r.done.remove(n);
                    }
                }
                case "step_start" -> {
                    if ("postgres.promote".equals(e.path("type").asText())) {
                        e.path("hosts").forEach(h -> r.promoted.put(h.asText(), e.path("number").asInt()));
                    }
                }
                case "hazard_opened" -> {
                    Instant since;
                    try {
                        since = Instant.parse(e.path("since").asText());
                    } catch (RuntimeException ex) {
                        since = Instant.now();
                    }
                    r.open.put(key(e), new Hazard(e.path("kind").asText(), e.path("host").asText(), e.path("what").asText(),
                            e.path("undo").asText(), Map.of(), e.path("step").asInt(), since));
                }
                case "hazard_closed", "compensation", "hazard_left" -> {
                    if (!kind.equals("compensation") || "ok".equals(e.path("result").asText())) {
                        r.open.remove(key(e));
                    }
                }
                default -> {
                }
            }
        }
        // what a step undone on the way out had opened is closed again, so the steps after it ran against a cluster that
        // is back where it was (the REPLICA's confirmation before a stop that was undone is stale): they all run again
        r.done.removeIf(n -> n >= r.firstUndone);
        // a PAUSE still open may have been lifted by its guard since: its step runs again (idempotent, re-arms the guard)
        r.open.values().stream().filter(h -> Hazard.PGBOUNCER_PAUSED.equals(h.kind())).forEach(h -> r.done.remove(h.step()));
        return r;
    }

    private static String key(JsonNode e) {
        return e.path("kind").asText() + "@" + e.path("host").asText();
    }

    /** The node this run promoted that is the live primary now, or null. */
    public String promotedPrimary(ClusterState state) {
        return state.primary() != null && promoted.containsKey(state.primary()) ? state.primary() : null;
    }

    /** The primary the run started from: {@code {{primary}}} of its plan. */
    public String startPrimary() {
        return startPrimary;
    }

    public Set<Integer> done() {
        return Set.copyOf(done);
    }

    /**
     * The hazards still open, to be undone if the resumed run stops early; a stopped primary is not among them once a
     * promotion was attempted (starting it again could make two primaries).
     */
    public List<Hazard> open() {
        List<Hazard> out = new ArrayList<>();
        for (Hazard h : open.values()) {
            if (Hazard.POSTGRES_STOPPED.equals(h.kind()) && !promoted.isEmpty()) {
                continue;
            }
            out.add(h);
        }
        return out;
    }

    /** Why the run's own changes are still in place (null: nothing it did is left, its preflight applies again). */
    public String changedCluster() {
        if (!promoted.isEmpty()) {
            return "the run promoted " + String.join(", ", promoted.keySet()) + " (step " + promoted.values().iterator().next() + ")";
        }
        if (!open.isEmpty()) {
            return "the run left open: " + String.join("; ", open.values().stream().map(Hazard::what).toList());
        }
        return null;
    }

    /** Null when the cluster fits the run; else one line saying what changed. */
    public String cannotResumeOn(ClusterState state) {
        List<String> primaries = state.primaries().stream().filter(n -> n.role().isPhysical()).map(NodeState::name).toList();
        if (primaries.size() > 1) {
            return "split brain: " + String.join(" and ", primaries) + " are both primary";
        }
        String live = state.primary();
        if (live == null) {
            for (Map.Entry<String, Integer> p : promoted.entrySet()) {
                // still a standby: the promotion never took (the run died before pg_promote); its step runs again
                if (state.node(p.getKey()).map(NodeState::state).orElse(LiveState.UNKNOWN) != LiveState.STANDBY) {
                    return "step " + p.getValue() + " promoted " + p.getKey() + ", which is not primary now ("
                            + stateOf(state, p.getKey()) + ")";
                }
            }
            if (startPrimary != null && state.node(startPrimary).map(NodeState::state).orElse(LiveState.UNKNOWN) == LiveState.UNKNOWN) {
                return "there is no live primary and " + startPrimary + " (the primary the run started from) cannot be reached";
            }
            return null;
        }
        if (live.equals(startPrimary)) {
            boolean stoppedByRun = open.values().stream().anyMatch(h -> Hazard.POSTGRES_STOPPED.equals(h.kind()) && h.host().equals(live));
            if (stoppedByRun || !promoted.isEmpty()) {
                return live + " runs as the primary again although this run " + (promoted.isEmpty() ? "stopped it"
                        : "promoted " + String.join(", ", promoted.keySet())) + ": the remaining steps no longer fit";
            }
            return null;
        }
        if (promoted.containsKey(live)) {
            return null;
        }
        return "the live primary is " + live + ", but the run started from " + (startPrimary == null ? "no live primary" : startPrimary)
                + (promoted.isEmpty() ? "" : " and promoted " + String.join(", ", promoted.keySet()));
    }

    private static String stateOf(ClusterState s, String host) {
        return s.node(host).map(n -> n.state().json()).orElse("not in the inventory");
    }
}
