package io.pgrunbook.pg;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The output of {@code pg_controldata}: "Key:  value" lines, with the few values the procedures need. */
public record ControlData(Map<String, String> values, boolean crcOk) {
    /** What pg_controldata prints when pg_control's layout is not its own (another major) or the file is damaged. */
    static final String CRC_WARNING = "Calculated CRC checksum does not match";

    public ControlData {
        values = Map.copyOf(values);
    }

    /**
     * Parses the output. pg_controldata of another major than the data directory's reads the file with its own layout
     * and says so only in a warning, with exit status 0: {@link #crcOk()} false, and no value of it can be trusted.
     */
    public static ControlData parse(String text) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                m.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        }
        return new ControlData(m, !text.contains(CRC_WARNING));
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
