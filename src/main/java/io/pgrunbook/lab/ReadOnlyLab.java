package io.pgrunbook.lab;

/**
 * {@code lab up --with readonly}: the SLAVE's PgBouncer gets a read-only route, {@value #DATABASE}, leading to its
 * own standby (db2), as the estates' app_ro does, and the lab inventory lists it in {@code pgbouncer.readonly_databases}.
 */
public final class ReadOnlyLab {
    public static final String DATABASE = LabLayout.DATABASE + "_ro";
    static final String HOST = "db2";

    private ReadOnlyLab() {
    }

    /** db2's pgbouncer.ini with the route under [databases]; other hosts' as they are. */
    static String ini(LabLayout layout, String host, String ini) {
        if (!host.equals(HOST)) {
            return ini;
        }
        return ini.replaceFirst("\\[databases]\n", "[databases]\n" + DATABASE + " = host=" + layout.host(HOST).address()
                + " port=" + LabLayout.PG_PORT + " dbname=" + LabLayout.DATABASE + "\n");
    }

    /** The inventory with {@code readonly_databases} under db2's pgbouncer (the line after its config_file). */
    static String inventory(LabLayout layout, String text) {
        String line = "          config_file: \"" + layout.pgbouncerIni(HOST) + "\"\n";
        if (!text.contains(line)) {
            throw new IllegalStateException("no pgbouncer config_file line for " + HOST + " in the lab inventory");
        }
        return text.replace(line, line + "          readonly_databases: [" + DATABASE + "]\n");
    }
}
