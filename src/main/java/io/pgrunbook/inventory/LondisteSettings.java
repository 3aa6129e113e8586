package io.pgrunbook.inventory;

import java.util.List;

/**
 * A REPLICA fed by Londiste (PgQ) instead of a native subscription ({@code replication: {kind: londiste, ...}}). The
 * queue lives in the primary's database, so a promoted physical standby carries it: after a change of primary only
 * the ticker and the provider's location have to move.
 *
 * @param ini          the subscriber's (leaf's) londiste ini file on the REPLICA host
 * @param queue        the PgQ queue (the ini's queue_name)
 * @param node         the REPLICA's node name in the cascade
 * @param providerNode the provider's node name (null: whatever pgq_node says; the root's name in a two-node cascade)
 * @param workerStart  how the worker is started on the REPLICA host (default {@code londiste INI worker -d})
 * @param workerStop   how it is stopped (default {@code londiste INI worker -s}: SIGINT to the pid in the ini's pidfile)
 * @param tickerIni    pgqd's ini on the primary's host; {@code {host}} stands for the host's name
 * @param tickerStart  how the ticker is started on the primary's host (default {@code pgqd -d TICKER_INI})
 * @param tickerStop   how it is stopped (default {@code pgqd -s TICKER_INI})
 * @param logFile      the worker's log file for {@code logs HOST --londiste} (null: the ini's logfile)
 */
public record LondisteSettings(String ini, String queue, String node, String providerNode, String workerStart,
                               String workerStop, String tickerIni, String tickerStart, String tickerStop, String logFile) {

    /** The worker's start command as an argument list or a site's shell command. */
    public boolean defaultWorker() {
        return workerStart == null;
    }

    public List<String> defaultWorkerStart() {
        return List.of("londiste", ini, "worker", "-d");
    }

    public List<String> defaultWorkerStop() {
        return List.of("londiste", ini, "worker", "-s");
    }

    /** The ticker's ini on {@code host}: {@code {host}} replaced by its name. */
    public String tickerIni(String host) {
        return tickerIni == null ? null : tickerIni.replace("{host}", host);
    }

}
