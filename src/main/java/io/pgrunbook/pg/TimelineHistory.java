package io.pgrunbook.pg;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A timeline history file ({@code pg_wal/0000000N.history}): one line per earlier timeline,
 * {@code parentTLI<TAB>switchpoint<TAB>reason}. The switchpoint is where the child timeline forked off: everything a
 * node wrote on the parent timeline after it is not on the new primary.
 */
public record TimelineHistory(List<Entry> entries) {
    /** Timeline {@code tli} ended at {@code switchpoint}. */
    public record Entry(int tli, long switchpoint, String reason) {
        public String switchpointText() {
            return Lsn.format(switchpoint);
        }
    }

    public TimelineHistory {
        entries = List.copyOf(entries);
    }

    /** Parses the file's text; comments (#) and blank lines are skipped; a malformed line is an error naming it. */
    public static TimelineHistory parse(String text) {
        List<Entry> out = new ArrayList<>();
        int n = 0;
        for (String line : text.split("\n")) {
            n++;
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] f = l.split("\\s+", 3);
            if (f.length < 2) {
                throw new IllegalArgumentException("timeline history line " + n + " is not 'tli switchpoint reason': " + l);
            }
            try {
                out.add(new Entry(Integer.parseInt(f[0]), Lsn.parse(f[1]), f.length > 2 ? f[2] : ""));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("timeline history line " + n + " is not 'tli switchpoint reason': " + l);
            }
        }
        return new TimelineHistory(out);
    }

    /** Where {@code tli} ended on the way to this file's timeline; empty when {@code tli} is not an ancestor. */
    public Optional<Entry> forkOf(int tli) {
        return entries.stream().filter(e -> e.tli() == tli).findFirst();
    }

    /** The name of the history file of {@code tli} in pg_wal. */
    public static String fileName(int tli) {
        return String.format("%08X.history", tli);
    }
}
