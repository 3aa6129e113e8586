package io.pgrunbook.cli;

import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.cluster.Verdict;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Help.Ansi.IStyle;

/**
 * Colour through picocli's Ansi (its on/off decision: NO_COLOR, --no-color, not a terminal), with every span ended by
 * a full reset (SGR 0). picocli's own markup ends bold with SGR 21, which some terminals take for double underline.
 * Colours by state: primary green, standby cyan, logical blue, down and unreachable red, split brain bold red.
 */
final class Paint {
    private Paint() {
    }

    /** {@code text} in {@code styles} (picocli names: "bold,red"), or as it is when colour is off. */
    static String paint(Ansi ansi, String styles, String text) {
        if (!ansi.enabled() || text.isEmpty()) {
            return text;
        }
        StringBuilder b = new StringBuilder();
        for (IStyle s : Ansi.Style.parse(styles)) {
            b.append(s.on());
        }
        return b.append(text).append(Ansi.Style.reset.on()).toString();
    }

    static String verdictStyle(Verdict v) {
        return switch (v) {
            case HEALTHY -> "bold,green";
            case FAILOVER_STATE, DEGRADED -> "bold,yellow";
            default -> "bold,red";
        };
    }

    static String verdict(Ansi ansi, Verdict v) {
        return paint(ansi, verdictStyle(v), v.name());
    }

    /** The STATE cell of a host: by its live state; a primary in split brain in bold red. */
    static String state(Ansi ansi, ClusterState s, NodeState n, String text) {
        String style = switch (n.state()) {
            case PRIMARY -> s.verdict() == Verdict.SPLIT_BRAIN && n.role().isPhysical() ? "bold,red" : "green";
            case STANDBY -> n.streaming() && !Boolean.TRUE.equals(n.replayPaused()) ? "cyan" : "yellow";
            case LOGICAL -> "blue";
            case DOWN, UNKNOWN -> "red";
        };
        return paint(ansi, style, text);
    }
}
