package io.pgrunbook.inventory;

import java.util.List;

/**
 * A PgBouncer running on a host: admin console port and user, its config file, the databases we repoint, and how many
 * of the config backups a repoint writes are kept; {@code readonlyDatabases}: its read-only routes, which lead to a
 * streaming standby instead of the primary (see ReadOnlyRoutes).
 */
public record PgBouncerSettings(int port, String adminUser, String configFile, List<String> databases, String marker,
                                String logFile, ServiceCommandsRef service, int keepBackups, List<String> readonlyDatabases) {

    /** A PgBouncer without read-only routes. */
    public PgBouncerSettings(int port, String adminUser, String configFile, List<String> databases, String marker,
                             String logFile, ServiceCommandsRef service, int keepBackups) {
        this(port, adminUser, configFile, databases, marker, logFile, service, keepBackups, List.of());
    }

    /** One backup per repoint; the newest five are enough to undo a night's changes. */
    public static final int DEFAULT_KEEP_BACKUPS = 5;

    /** Optional start/stop/reload commands for PgBouncer. */
    public record ServiceCommandsRef(String start, String stop, String reload) {
        public static final ServiceCommandsRef NONE = new ServiceCommandsRef(null, null, null);
    }
}
