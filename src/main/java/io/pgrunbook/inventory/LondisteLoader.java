package io.pgrunbook.inventory;

import io.pgrunbook.inventory.YNode.YMap;

import java.util.List;

import static io.pgrunbook.inventory.InventoryYaml.*;

/** Reads the Londiste settings of a REPLICA's {@code replication:} section (kind: londiste). */
final class LondisteLoader {
    private LondisteLoader() {
    }

    /** replication: {kind: londiste, ini, queue, node, database, provider_node?, worker: {start, stop}?, ticker: {ini, start?, stop?}?}. */
    static LondisteSettings load(YMap m, String host, SourceLocation at) {
        String example = " (add replication: {kind: londiste, database: app, ini: /etc/londiste/replica.ini, queue: app_q,"
                + " node: replica, ticker: {ini: /etc/pgqd.ini}})";
        for (String k : List.of("ini", "queue", "node", "database")) {
            if (str(m, k, null) == null) {
                throw new InventoryException(at, "REPLICA '" + host + "' of kind londiste has no replication." + k + example);
            }
        }
        if (m.get("subscription") != null || m.get("publication") != null) {
            String k = m.get("subscription") != null ? "subscription" : "publication";
            throw new InventoryException(m.entries().get(k).keyAt(), "replication." + k + " is for a native subscription;"
                    + " REPLICA '" + host + "' is fed by Londiste (its queue: replication.queue)");
        }
        YMap worker = sub(m, "worker");
        checkKeys(worker, Schema.LONDISTE_WORKER, "replication.worker");
        YMap ticker = sub(m, "ticker");
        checkKeys(ticker, Schema.LONDISTE_TICKER, "replication.ticker");
        String wStart = str(worker, "start", null);
        String wStop = str(worker, "stop", null);
        if ((wStart == null) != (wStop == null)) {
            throw new InventoryException(worker.at(), "replication.worker needs both start and stop, or neither"
                    + " (neither: londiste INI worker -d / -s)");
        }
        String tIni = path(ticker, "ini", null);
        String tStart = str(ticker, "start", null);
        String tStop = str(ticker, "stop", null);
        if ((tStart == null) != (tStop == null)) {
            throw new InventoryException(ticker.at(), "replication.ticker needs both start and stop, or neither"
                    + " (neither: pgqd -d INI / pgqd -s INI)");
        }
        if (tIni == null && tStart == null) {
            throw new InventoryException(m.get("ticker") == null ? at : m.get("ticker").at(), "REPLICA '" + host + "' of kind londiste"
                    + " needs replication.ticker: {ini: PATH} (pgqd's ini on the primary's host; {host} stands for its name)"
                    + " or {start: ..., stop: ...}: the ticker must move to a new primary");
        }
        return new LondisteSettings(path(m, "ini", null), str(m, "queue", null), str(m, "node", null), str(m, "provider_node", null),
                wStart, wStop, tIni, tStart, tStop, path(m, "log_file", null));
    }
}
