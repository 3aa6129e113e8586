package io.pgrunbook.inventory;

import java.time.Duration;

/**
 * PostgreSQL on one host. Paths are on that host. {@code host} is where the tunnel (or a direct connection)
 * reaches the server; default the host's address.
 */
public record PgSettings(int port, String user, String database, String binDir, String dataDir, String configFile,
                         String logFile, String archiveDir, ServiceCommands service, ConnectMode connect, String host,
                         Duration connectTimeout, Duration statementTimeout, String socketDir) {

    public enum ConnectMode { TUNNEL, DIRECT }

    /** Optional site commands that start/stop/restart the server; null members mean "use pg_ctl". */
    public record ServiceCommands(String start, String stop, String restart, String reload) {
        public static final ServiceCommands NONE = new ServiceCommands(null, null, null, null);
    }

    /** The effective postgresql.conf path on the host. */
    public String effectiveConfigFile() {
        return configFile != null ? configFile : dataDir + "/postgresql.conf";
    }

    public String bin(String program) {
        return binDir + "/" + program;
    }
}
