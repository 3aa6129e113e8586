package io.pgrunbook.runbook;

import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.inventory.Units;

import java.util.Map;
import java.util.function.Consumer;

/** What the operator sees of a step before answering: its header, its targets in their live context, its details. */
final class StepView {
    private StepView() {
    }

    static String header(PlannedStep ps) {
        return "Step " + ps.number() + ": " + ps.name() + (ps.destructive() ? "  [DESTRUCTIVE]" : "");
    }

    static void show(PlannedStep ps, ClusterState live, Map<String, String> changedSinceProbe, Consumer<String> progress) {
        progress.accept("");
        progress.accept(header(ps));
        for (PlannedStep.Target t : ps.targets()) {
            String ctx = "";
            if (t.host() != null && changedSinceProbe.containsKey(t.host())) {
                // the last probe is older than what this run did here: say what the run did, not a stale state
                ctx = "changed by this run: " + changedSinceProbe.get(t.host());
            } else if (t.host() != null && live != null) {
                ctx = live.node(t.host()).map(StepView::context).orElse("not probed");
            }
            progress.accept("  " + (t.host() != null ? t.host() + " (" + ctx + ")" : "-"));
            t.commands().forEach(c -> progress.accept("    " + c));
        }
    }

    static String context(NodeState n) {
        StringBuilder b = new StringBuilder(n.state().json());
        if (n.lsn() != null) {
            b.append(", LSN ").append(n.lsn());
        }
        if (n.lagBytes() != null) {
            b.append(", lag ").append(Units.bytes(n.lagBytes()));
        }
        return b.toString();
    }

    static void details(PlannedStep ps, ClusterState live, Consumer<String> progress) {
        progress.accept("  kind " + ps.kind().key() + (ps.type() != null ? " (" + ps.type() + ")" : "") + ", on_error " + ps.onError().key()
                + (ps.timeout() != null ? ", timeout " + Units.duration(ps.timeout()) : "")
                + (ps.when() != null ? ", when " + ps.when() : "") + ", at " + ps.step().at());
        if (live != null) {
            progress.accept("  live: primary " + live.primary() + ", verdict " + live.verdict());
            for (NodeState n : live.hosts()) {
                progress.accept("    " + n.name() + " " + n.role() + ": " + context(n)
                        + (n.upstream() != null ? ", upstream " + n.upstream() : "")
                        + (n.error() != null ? " (" + n.error() + ")" : ""));
            }
        }
    }
}
