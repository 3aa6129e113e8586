package io.pgrunbook.cli;

import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.LiveState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.cluster.Verdict;
import io.pgrunbook.inventory.Role;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Help.Ansi;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Status colours by state, ends every span with SGR 0 (never 21), and keeps the columns aligned. */
class PaintTest {
    private static NodeState node(String name, Role role, LiveState st) {
        return new NodeState(name, "10.0.0." + name.substring(2), role, st, 1, "0/3000148", null, null,
                st == LiveState.STANDBY ? 0L : null, false, st == LiveState.STANDBY ? "db1" : null, null, Map.of(), null,
                150000, "15.0", List.of(), List.of(), null, null, 1, st == LiveState.STANDBY ? "streaming" : null, null);
    }

    private static ClusterState splitBrain() {
        return new ClusterState("c", Verdict.SPLIT_BRAIN, null, List.of(node("db1", Role.MASTER, LiveState.PRIMARY),
                node("db2", Role.SLAVE, LiveState.PRIMARY), node("db3", Role.BCP, LiveState.DOWN),
                node("db4", Role.BCP, LiveState.STANDBY)), List.of(), Instant.EPOCH, 1);
    }

    @Test
    void status_colours_states_and_verdict_and_never_ends_bold_with_sgr_21() {
        String on = StatusView.table(splitBrain(), Ansi.ON);
        assertFalse(on.contains("\u001b[21m"), on);
        assertTrue(on.contains("\u001b[1m\u001b[31mprimary\u001b[0m"), "a primary in split brain is bold red: " + on);
        assertTrue(on.contains("\u001b[31mdown\u001b[0m"), on);
        assertTrue(on.contains("\u001b[36mstandby\u001b[0m"), on);
        assertTrue(on.contains("Verdict: \u001b[1m\u001b[31mSPLIT_BRAIN\u001b[0m"), on);
    }

    @Test
    void colour_off_gives_the_same_text_with_no_escape_and_aligned_columns() {
        String off = StatusView.table(splitBrain(), Ansi.OFF);
        String on = StatusView.table(splitBrain(), Ansi.ON);
        assertFalse(off.contains("\u001b"), off);
        assertEquals(off, on.replaceAll("\u001b\\[[0-9;]*m", ""), "colour adds escapes only, never shifts a column");
    }

    @Test
    void healthy_primary_is_green() {
        ClusterState s = new ClusterState("c", Verdict.HEALTHY, "db1", List.of(node("db1", Role.MASTER, LiveState.PRIMARY)),
                List.of(), Instant.EPOCH, 1);
        assertTrue(StatusView.table(s, Ansi.ON).contains("\u001b[32mprimary\u001b[0m"));
    }
}
