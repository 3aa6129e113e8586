package io.pgrunbook.inventory;

/**
 * Replication of one host. Physical standbys stream from {@code upstream} (default: the live primary) as
 * {@code user}; a REPLICA ({@code kind: logical}) subscribes with {@code subscription} in {@code database}; a REPLICA
 * of {@code kind: londiste} is a Londiste leaf described by {@code londiste}.
 */
public record ReplicationSettings(String user, boolean slots, Kind kind, String database, String subscription,
                                  String publication, String upstream, LondisteSettings londiste) {
    public enum Kind { PHYSICAL, LOGICAL, LONDISTE }

    public ReplicationSettings(String user, boolean slots, Kind kind, String database, String subscription,
                               String publication, String upstream) {
        this(user, slots, kind, database, subscription, publication, upstream, null);
    }

    /** A REPLICA fed by a native subscription (not Londiste). */
    public boolean isSubscription() {
        return kind == Kind.LOGICAL;
    }

    public boolean isLondiste() {
        return kind == Kind.LONDISTE;
    }
}
