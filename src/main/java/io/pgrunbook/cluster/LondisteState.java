package io.pgrunbook.cluster;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.List;

/**
 * A Londiste REPLICA as probed: its worker, its provider node and where that is, how far the worker is behind on the
 * queue, its tables not in sync, and the ticker on the live primary. Absent values are null.
 *
 * @param worker            running, stopped or unknown (from the pidfile of the subscriber's ini)
 * @param consumer          the worker's name as a consumer of the queue (the ini's job_name)
 * @param provider          the host the provider's location names (inventory name, else the location's host)
 * @param providerIsPrimary whether that is the live primary (null: no single live primary)
 * @param lagEvents         events in the queue the worker has not applied yet (pgq.get_consumer_info pending_events)
 * @param lagSeconds        age of the last batch the worker finished (pgq.get_consumer_info lag)
 * @param tickerLagSeconds  seconds since the last tick on the live primary
 */
@JsonPropertyOrder({"queue", "node", "provider_node", "provider", "provider_is_primary", "worker", "consumer", "lag_events", "lag_seconds",
        "last_seen_seconds", "tables_not_in_sync", "ticker_alive", "ticker_lag_seconds", "error"})
@JsonInclude(JsonInclude.Include.ALWAYS)
public record LondisteState(String queue, String node, String providerNode, String provider, Boolean providerIsPrimary,
                            String worker, String consumer, Long lagEvents, Double lagSeconds, Double lastSeenSeconds,
                            List<String> tablesNotInSync, Boolean tickerAlive, Double tickerLagSeconds, String error) {

    public boolean workerRunning() {
        return "running".equals(worker);
    }

    LondisteState withPrimary(Boolean providerIsPrimary, Long lagEvents, Double lagSeconds, Double lastSeenSeconds,
                              Boolean tickerAlive, Double tickerLagSeconds, String error) {
        return new LondisteState(queue, node, providerNode, provider, providerIsPrimary, worker, consumer, lagEvents, lagSeconds,
                lastSeenSeconds, tablesNotInSync, tickerAlive, tickerLagSeconds, error != null ? error : this.error);
    }
}
