package io.pgrunbook.inventory;

/**
 * Replication of one host. Physical standbys stream from {@code upstream} (default: the live primary) as
 * {@code user}; a REPLICA ({@code kind: logical}) subscribes with {@code subscription} in {@code database}.
 */
public record ReplicationSettings(String user, boolean slots, Kind kind, String database, String subscription,
                                  String publication, String upstream) {
    public enum Kind { PHYSICAL, LOGICAL }
}
