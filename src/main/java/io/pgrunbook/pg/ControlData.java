package io.pgrunbook.pg;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The output of {@code pg_controldata}: "Key:  value" lines, with the few values the procedures need. */
public record ControlData(Map<String, String> values) {
    public ControlData {
        values = Map.copyOf(values);
    }

    public static ControlData parse(String text) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                m.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        }
        return new ControlData(m);
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    public String systemIdentifier() {
        return values.get("Database system identifier");
    }

    /** "shut down", "shut down in recovery", "in production", "in crash recovery", ... */
    public String clusterState() {
        return values.get("Database cluster state");
    }

    public boolean cleanShutdown() {
        String s = clusterState();
        return s != null && s.startsWith("shut down");
    }

    /** pg_rewind needs one of these to tell which pages changed. */
    public boolean checksums() {
        String v = values.get("Data page checksum version");
        return v != null && !v.equals("0");
    }

    public boolean walLogHints() {
        return "on".equals(values.get("wal_log_hints setting"));
    }

    public Integer checkpointTimeline() {
        String v = values.get("Latest checkpoint's TimeLineID");
        return v == null ? null : Integer.valueOf(v);
    }

    public String checkpointLocation() {
        return values.get("Latest checkpoint location");
    }

    public long walSegmentSize() {
        String v = values.get("Bytes per WAL segment");
        return v == null ? 16L * 1024 * 1024 : Long.parseLong(v);
    }
}
