package io.pgrunbook.cluster;

import com.fasterxml.jackson.annotation.JsonValue;

/** What a probe sees on a host now. */
public enum LiveState {
    PRIMARY, STANDBY, LOGICAL, DOWN, UNKNOWN;

    @JsonValue
    public String json() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
