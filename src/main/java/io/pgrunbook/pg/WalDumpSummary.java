package io.pgrunbook.pg;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code pg_waldump} shows of a node's WAL after a fork point: how many records, which relations they wrote
 * (tablespace/database/relfilenode), per resource manager, and where the WAL ends (the record pg_waldump could not
 * read: "invalid record length at X"). The split-brain writes a DBA may want back.
 */
public record WalDumpSummary(int records, String firstLsn, String lastLsn, String endLsn, Map<String, Integer> relations,
                             Map<String, Integer> rmgrs, long xids) {
    private static final Pattern RECORD = Pattern.compile("^rmgr: (\\S+)\\s+len \\(rec/tot\\):\\s*\\d+/\\s*(\\d+), tx:\\s*(\\d+), lsn: ([0-9A-Fa-f]+/[0-9A-Fa-f]+)");
    private static final Pattern REL = Pattern.compile("rel (\\d+/\\d+/\\d+)");
    private static final Pattern END = Pattern.compile("(?:invalid record length|record with incorrect prev-link|invalid magic number|contrecord is requested|record length|could not find a valid record after|invalid record offset)[^\\n]*? at ([0-9A-Fa-f]+/[0-9A-Fa-f]+)");

    public static WalDumpSummary parse(String stdout, String stderr) {
        int n = 0;
        String first = null;
        String last = null;
        long lastEnd = -1;
        Map<String, Integer> rels = new TreeMap<>();
        Map<String, Integer> rmgrs = new LinkedHashMap<>();
        java.util.Set<Long> xids = new java.util.HashSet<>();
        for (String line : stdout.split("\n")) {
            Matcher m = RECORD.matcher(line);
            if (!m.find()) {
                continue;
            }
            n++;
            String lsn = m.group(4);
            if (first == null) {
                first = lsn;
            }
            last = lsn;
            lastEnd = Lsn.parse(lsn) + Long.parseLong(m.group(2));
            rmgrs.merge(m.group(1), 1, Integer::sum);
            long xid = Long.parseLong(m.group(3));
            if (xid != 0) {
                xids.add(xid);
            }
            Matcher r = REL.matcher(line);
            java.util.Set<String> seen = new java.util.HashSet<>();
            while (r.find()) {
                if (seen.add(r.group(1))) {
                    rels.merge(r.group(1), 1, Integer::sum);
                }
            }
        }
        String end = null;
        Matcher e = END.matcher(stderr == null ? "" : stderr);
        while (e.find()) {
            end = e.group(1);
        }
        if (end == null && lastEnd >= 0) {
            // no error line: the end of the last record (aligned to 8 bytes like the WAL itself)
            end = Lsn.format((lastEnd + 7) & ~7L);
        }
        return new WalDumpSummary(n, first, last, end, rels, rmgrs, xids.size());
    }

    /** A few lines for the operator and the saved summary file. */
    public String render() {
        StringBuilder b = new StringBuilder();
        b.append(records).append(" WAL records").append(first() ).append(", ").append(xids).append(" transactions\n");
        if (!rmgrs.isEmpty()) {
            b.append("by resource manager: ").append(rmgrs).append('\n');
        }
        if (!relations.isEmpty()) {
            b.append("relations written (tablespace/database/relfilenode: records): ").append(relations).append('\n');
        }
        return b.toString();
    }

    private String first() {
        return firstLsn == null ? "" : " from " + firstLsn + " to " + lastLsn + (endLsn != null ? " (WAL ends at " + endLsn + ")" : "");
    }
}
