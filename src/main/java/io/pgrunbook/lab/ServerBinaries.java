package io.pgrunbook.lab;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The PostgreSQL server binaries and PgBouncer the lab runs: found, never installed. */
public record ServerBinaries(Path binDir, Path pgbouncer) {
    static final String INSTALL_HINT = "apt-get install postgresql-15 pgbouncer (Debian/Ubuntu), or put pg_config of a"
            + " server installation on PATH";

    public Path bin(String name) {
        return binDir.resolve(name);
    }

    /** Whether standbys can be made with pg_basebackup (bundles of server binaries only may lack it). */
    public boolean hasBaseBackup() {
        return Files.isExecutable(bin("pg_basebackup"));
    }

    /** Finds both or throws one clear error naming what is missing and how to install it. */
    public static ServerBinaries find() {
        Path bin = findBinDir().orElseThrow(() -> new PgrunbookException(Outcome.REFUSED,
                "PostgreSQL server binaries (initdb, pg_ctl) not found via pg_config --bindir nor under /usr/lib/postgresql/*/bin",
                INSTALL_HINT));
        Path pgb = findPgBouncer().orElseThrow(() -> new PgrunbookException(Outcome.REFUSED,
                "pgbouncer not found in /usr/sbin, /usr/bin or PATH", "apt-get install pgbouncer"));
        return new ServerBinaries(bin, pgb);
    }

    /** Why the lab cannot run here, or empty when it can (for test preconditions). */
    public static Optional<String> missing() {
        try {
            find();
            return Optional.empty();
        } catch (PgrunbookException e) {
            return Optional.of(e.getMessage() + " (" + e.hint() + ")");
        }
    }

    static Optional<Path> findBinDir() {
        Optional<Path> fromPgConfig = pgConfigBinDir().filter(ServerBinaries::isServerBinDir);
        if (fromPgConfig.isPresent()) {
            return fromPgConfig;
        }
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(v -> v.resolve("bin")).filter(ServerBinaries::isServerBinDir)
                    .max(Comparator.comparingInt(ServerBinaries::majorOf));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static int majorOf(Path bin) {
        try {
            return Integer.parseInt(bin.getParent().getFileName().toString().replaceAll("[^0-9].*", ""));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static boolean isServerBinDir(Path p) {
        return Files.isExecutable(p.resolve("initdb")) && Files.isExecutable(p.resolve("pg_ctl"))
                && Files.isExecutable(p.resolve("pg_basebackup"));
    }

    private static Optional<Path> pgConfigBinDir() {
        try {
            Process p = new ProcessBuilder("pg_config", "--bindir").redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0 || out.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(Path.of(out));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    static Optional<Path> findPgBouncer() {
        for (Path p : List.of(Path.of("/usr/sbin/pgbouncer"), Path.of("/usr/bin/pgbouncer"), Path.of("/usr/local/bin/pgbouncer"))) {
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(":")) {
                if (!d.isEmpty() && Files.isExecutable(Path.of(d, "pgbouncer"))) {
                    return Optional.of(Path.of(d, "pgbouncer"));
                }
            }
        }
        return Optional.empty();
    }
}
