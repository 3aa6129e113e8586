package io.pgrunbook.lab;

import io.pgrunbook.remote.LocalTransport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What this machine lacks to run a lab, with the package that brings it, named for the distribution found in
 * /etc/os-release (Debian and Ubuntu name their PostgreSQL server package after its major version).
 */
public final class LabPrerequisites {
    /** One missing piece: what, why, and the apt package that brings it; {@code needed} false is advice only. */
    public record Missing(String what, String aptPackage, boolean needed) {
    }

    private LabPrerequisites() {
    }

    /** Everything missing for a plain lab on this machine, needed pieces first. */
    public static List<Missing> check() {
        return check(osRelease(Path.of("/etc/os-release")), ServerBinaries.findBinDir().isPresent(),
                ServerBinaries.findPgBouncer().isPresent(), onPath("rsync"), LocalTransport.runningAsRoot(), postgresUserExists());
    }

    static List<Missing> check(Map<String, String> os, boolean server, boolean pgbouncer, boolean rsync, boolean root,
                               boolean postgresUser) {
        List<Missing> out = new ArrayList<>();
        String serverPackage = serverPackage(os);
        if (!server) {
            out.add(new Missing("the PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup)", serverPackage, true));
        }
        if (!pgbouncer) {
            out.add(new Missing("pgbouncer", "pgbouncer", true));
        }
        if (server && root && !postgresUser) {
            // the server package creates the account; PostgreSQL refuses to run as root
            out.add(new Missing("a postgres OS user (PostgreSQL refuses to run as root)", serverPackage, true));
        }
        if (!rsync) {
            out.add(new Missing("rsync (not for the demo: for 'pgrunbook rebuild --method rsync')", "rsync", false));
        }
        return out;
    }

    /** The apt line for the needed pieces, e.g. {@code sudo apt-get install -y postgresql-15 pgbouncer}; null: none. */
    public static String aptLine(List<Missing> missing, boolean root) {
        List<String> pkgs = missing.stream().filter(Missing::needed).map(Missing::aptPackage).distinct().toList();
        if (pkgs.isEmpty()) {
            return null;
        }
        return (root ? "" : "sudo ") + "apt-get install -y " + String.join(" ", pkgs);
    }

    /** The distribution's own PostgreSQL server package, else the {@code postgresql} metapackage (its default major). */
    static String serverPackage(Map<String, String> os) {
        String id = os.getOrDefault("ID", "");
        String v = os.getOrDefault("VERSION_ID", "");
        String major = switch (id + " " + v) {
            case "debian 11" -> "13";
            case "debian 12" -> "15";
            case "debian 13" -> "17";
            case "ubuntu 20.04" -> "12";
            case "ubuntu 22.04" -> "14";
            case "ubuntu 24.04", "ubuntu 24.10" -> "16";
            case "ubuntu 25.04", "ubuntu 25.10" -> "17";
            default -> null;
        };
        return major == null ? "postgresql" : "postgresql-" + major;
    }

    /** The distribution's name and version for messages, e.g. "Ubuntu 24.04"; "this system" when unknown. */
    public static String distribution() {
        Map<String, String> os = osRelease(Path.of("/etc/os-release"));
        return os.getOrDefault("PRETTY_NAME", "this system");
    }

    static Map<String, String> osRelease(Path file) {
        Map<String, String> m = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    m.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim().replaceAll("^\"|\"$", ""));
                }
            }
        } catch (IOException e) {
            // not Debian-like: the generic package names
        }
        return m;
    }

    private static boolean onPath(String program) {
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("/usr/bin:/bin");
        for (String d : path.split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, program))) {
                return true;
            }
        }
        return false;
    }

    private static boolean postgresUserExists() {
        try {
            Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(Lab.PG_OS_USER);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
