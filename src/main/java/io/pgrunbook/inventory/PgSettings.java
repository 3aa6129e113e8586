package io.pgrunbook.inventory;

import java.time.Duration;
import java.util.Map;

/**
 * PostgreSQL on one host. Paths are on that host. {@code host} is where the tunnel (or a direct connection)
 * reaches the server; default the host's address.
 */
public record PgSettings(int port, String user, String database, String binDir, String dataDir, String configFile,
                         String logFile, String archiveDir, ServiceCommands service, ConnectMode connect, String host,
                         Duration connectTimeout, Duration statementTimeout, String socketDir,
                         Map<String, String> tablespaceMap) {

    public PgSettings {
        tablespaceMap = tablespaceMap == null ? Map.of() : Map.copyOf(tablespaceMap);
    }

    public enum ConnectMode { TUNNEL, DIRECT }

    /** Optional site commands that start/stop/restart the server; null members mean "use pg_ctl". */
    public record ServiceCommands(String start, String stop, String restart, String reload) {
        public static final ServiceCommands NONE = new ServiceCommands(null, null, null, null);
    }

    /** The effective postgresql.conf path on the host. */
    public String effectiveConfigFile() {
        return configFile != null ? configFile : dataDir + "/postgresql.conf";
    }

    /**
     * Where a tablespace whose site path is {@code sitePath} lives on this host: the {@code tablespace_map} entry, or
     * the site path itself (sites keep one path on every host; a lab on one machine cannot).
     */
    public String tablespacePath(String sitePath) {
        return tablespaceMap.getOrDefault(sitePath, sitePath);
    }

    /** The site path of a tablespace this host keeps at {@code localPath} (what pg_tablespace_location says on it). */
    public String tablespaceSitePath(String localPath) {
        for (Map.Entry<String, String> e : tablespaceMap.entrySet()) {
            if (e.getValue().equals(localPath)) {
                return e.getKey();
            }
        }
        return localPath;
    }

    public String bin(String program) {
        return binDir + "/" + program;
    }
}
