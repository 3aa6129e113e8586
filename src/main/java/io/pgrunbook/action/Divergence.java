package io.pgrunbook.action;

import io.pgrunbook.pg.ControlData;
import io.pgrunbook.pg.Lsn;
import io.pgrunbook.pg.TimelineHistory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Where an old primary and the new one parted: the new primary's timeline and its history, the old primary's
 * timeline, the fork point, and the reasons pg_rewind cannot work (different clusters, no wal_log_hints nor
 * checksums, a timeline that is not an ancestor).
 */
record Divergence(String targetSysid, String sourceSysid, int targetTli, int sourceTli, Long forkLsn,
                  ControlData control, List<String> problems) {

    /** The new primary's timeline and history: the newest history file in its pg_wal names its timeline. */
    static Divergence of(ControlData target, Connection source) throws SQLException {
        String sysid = DataDir.systemIdentifier(source);
        String historyName = null;
        String historyText = "";
        try (Statement st = source.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT name, pg_read_file('pg_wal/' || name) FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{8}\\.history$' ORDER BY name DESC LIMIT 1")) {
            if (rs.next()) {
                historyName = rs.getString(1);
                historyText = rs.getString(2);
            }
        }
        int sourceTli = historyName == null ? 1 : Integer.parseInt(historyName.substring(0, 8), 16);
        return compute(target, sysid, sourceTli, TimelineHistory.parse(historyText));
    }

    /** The pure part, for tests. */
    static Divergence compute(ControlData target, String sourceSysid, int sourceTli, TimelineHistory history) {
        List<String> problems = new ArrayList<>();
        String tSysid = target.systemIdentifier();
        if (tSysid == null || !tSysid.equals(sourceSysid)) {
            problems.add("the system identifiers differ (target " + tSysid + ", source " + sourceSysid + "): not copies of one cluster");
        }
        if (!target.checksums() && !target.walLogHints()) {
            problems.add("neither data checksums nor wal_log_hints are on: pg_rewind cannot tell which pages changed");
        }
        Integer tli = target.checkpointTimeline();
        int targetTli = tli == null ? 0 : tli;
        Long fork = null;
        if (tli == null) {
            problems.add("pg_controldata shows no timeline");
        } else if (tli != sourceTli) {
            var e = history.forkOf(tli);
            if (e.isEmpty()) {
                problems.add("timeline " + tli + " is not an ancestor of the source's timeline " + sourceTli + " (history: "
                        + history.entries().stream().map(x -> x.tli() + "@" + x.switchpointText()).toList() + ")");
            } else {
                fork = e.get().switchpoint();
            }
        }
        return new Divergence(tSysid, sourceSysid, targetTli, sourceTli, fork, target, problems);
    }

    String forkText() {
        return forkLsn == null ? null : Lsn.format(forkLsn);
    }

    /** The WAL file name of the segment holding {@code lsn} on {@code tli}. */
    static String segmentName(int tli, long lsn, long segSize) {
        long segno = Lsn.parse(Lsn.format(lsn)) / segSize;
        long perId = 0x100000000L / segSize;
        return String.format("%08X%08X%08X", tli, segno / perId, segno % perId);
    }

    /** The segments of {@code tli} from the one holding the fork point on, among a pg_wal listing. */
    static List<String> divergedSegments(List<String> listing, int tli, long fork, long segSize) {
        String first = segmentName(tli, fork, segSize);
        String prefix = String.format("%08X", tli);
        return listing.stream().map(String::strip).filter(n -> n.matches("[0-9A-F]{24}(\\.partial)?") && n.startsWith(prefix)
                && n.substring(0, 24).compareTo(first) >= 0).sorted().toList();
    }

}
