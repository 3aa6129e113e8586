package io.pgrunbook.inventory;

import java.util.List;

/**
 * A PgBouncer running on a host: admin console port and user, its config file, the databases we repoint, and how many
 * of the config backups a repoint writes are kept.
 */
public record PgBouncerSettings(int port, String adminUser, String configFile, List<String> databases, String marker,
                                String logFile, ServiceCommandsRef service, int keepBackups) {
    /** One backup per repoint; the newest five are enough to undo a night's changes. */
    public static final int DEFAULT_KEEP_BACKUPS = 5;

    /** Optional start/stop/reload commands for PgBouncer. */
    public record ServiceCommandsRef(String start, String stop, String reload) {
        public static final ServiceCommandsRef NONE = new ServiceCommandsRef(null, null, null);
    }
}
