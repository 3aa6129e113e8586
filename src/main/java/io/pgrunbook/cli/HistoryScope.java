package io.pgrunbook.cli;

import io.pgrunbook.runbook.Journal;

import java.nio.file.Path;
import java.util.List;

/**
 * Which journaled runs {@code history} lists: those of this inventory (and of the cluster given with -c), since every
 * lab's cluster is called "lab" and the state directory is shared by all of them. Journals older than the
 * {@code inventory} field always show: nothing tells whose they are.
 */
record HistoryScope(String inventory, String cluster) {
    /** Everything. */
    static final HistoryScope ALL = new HistoryScope(null, null);

    static HistoryScope of(Path inventory, String cluster) {
        return new HistoryScope(inventory == null ? null : inventory.toAbsolutePath().normalize().toString(), cluster);
    }

    boolean includes(Journal.Summary s) {
        if (inventory != null && s.inventory() != null && !inventory.equals(s.inventory())) {
            return false;
        }
        return cluster == null || cluster.equals(s.cluster());
    }

    List<Journal.Summary> filter(List<Journal.Summary> runs) {
        return runs.stream().filter(this::includes).toList();
    }
}
