package io.pgrunbook.it;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tar.gz that {@code mvn package} makes, installed as the README says (unpacked, bin/pgrunbook linked onto the
 * PATH): the launcher runs from it, every command has a man page that man renders, host names complete.
 */
class DistributionIT {
    @TempDir
    Path tmp;

    private Path unpack() throws Exception {
        Path target = Path.of("target");
        Path tgz;
        try (Stream<Path> s = Files.list(target)) {
            tgz = s.filter(p -> p.getFileName().toString().matches("pgrunbook-.*\\.tar\\.gz")).findFirst()
                    .orElseThrow(() -> new AssertionError("no target/pgrunbook-*.tar.gz: mvn package makes it"));
        }
        assertEquals(0, run(List.of("tar", "xzf", tgz.toAbsolutePath().toString(), "-C", tmp.toString()), Map.of()).code);
        try (Stream<Path> s = Files.list(tmp)) {
            return s.filter(Files::isDirectory).findFirst().orElseThrow();
        }
    }

    @Test
    void the_unpacked_tarball_runs_from_a_symlink_on_the_path_and_its_man_pages_render() throws Exception {
        Path home = unpack();
        for (String part : List.of("bin/pgrunbook", "lib/pgrunbook.jar", "completions/pgrunbook.bash",
                "completions/pgrunbook.zsh", "completions/pgrunbook.fish", "inventory.example.yaml", "runbooks/failover.yaml",
                "man/man1/pgrunbook.1", "man/man1/pgrunbook-failover.1", "man/man1/pgrunbook-lab-up.1")) {
            assertTrue(Files.isRegularFile(home.resolve(part)), part + " is in the tar.gz");
        }
        Path onPath = Files.createDirectories(tmp.resolve("path"));
        Files.createSymbolicLink(onPath.resolve("pgrunbook"), home.resolve("bin/pgrunbook"));
        Map<String, String> env = Map.of("PATH", onPath + ":" + System.getenv("PATH"), "PGRUNBOOK_CDS", "0");

        // through a shell: the program is looked up on the PATH given, as a login shell would
        Out version = run(List.of("bash", "-c", "pgrunbook --version"), env);
        assertEquals(0, version.code, version.text);
        assertTrue(version.text.startsWith("pgrunbook "), version.text);

        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/man")) || "true".equalsIgnoreCase(System.getenv("CI")),
                "man-db is not installed");
        Out man = run(List.of("man", "-l", home.resolve("man/man1/pgrunbook.1").toString()), Map.of("MANPAGER", "cat", "PAGER", "cat", "MANWIDTH", "100"));
        assertEquals(0, man.code, man.text);
        assertTrue(man.text.contains("NAME") && man.text.contains("switchover") && man.text.contains("failback"), man.text);
        assertTrue(!man.text.contains(".TH") && !man.text.contains("\\fB"), "troff rendered, not shown raw: " + man.text);
        Out failover = run(List.of("man", "-l", home.resolve("man/man1/pgrunbook-failover.1").toString()), Map.of("MANPAGER", "cat", "PAGER", "cat"));
        assertTrue(failover.text.contains("--primary-is-healthy"), failover.text);
    }

    @Test
    void bash_completion_offers_the_inventory_host_names_after_to_and_after_logs() throws Exception {
        Path home = unpack();
        Path onPath = Files.createDirectories(tmp.resolve("path"));
        Files.createSymbolicLink(onPath.resolve("pgrunbook"), home.resolve("bin/pgrunbook"));
        Map<String, String> env = Map.of("PATH", onPath + ":" + System.getenv("PATH"), "PGRUNBOOK_CDS", "0");
        String inv = home.resolve("inventory.example.yaml").toString();
        String script = "source " + home.resolve("completions/pgrunbook.bash") + " 2>/dev/null\n"
                + "COMP_WORDS=(pgrunbook -i " + inv + " failover --to d); COMP_CWORD=5; _pgrunbook_complete; echo \"to: ${COMPREPLY[*]}\"\n"
                + "COMP_WORDS=(pgrunbook -i " + inv + " logs ''); COMP_CWORD=4; _pgrunbook_complete; echo \"logs: ${COMPREPLY[*]}\"\n"
                + "COMP_WORDS=(pgrunbook switch); COMP_CWORD=1; _pgrunbook_complete; echo \"cmd: ${COMPREPLY[*]}\"\n";
        Out out = run(List.of("bash", "-c", script), env);
        assertTrue(out.text.contains("to: db1 db2 db3 db4"), out.text);
        assertTrue(out.text.contains("logs: db1 db2 db3 db4"), out.text);
        assertTrue(out.text.contains("cmd: switchover"), out.text);
    }

    @Test
    void next_lines_name_the_launcher_as_it_was_called() throws Exception {
        Path home = unpack();
        Path onPath = Files.createDirectories(tmp.resolve("path"));
        Files.createSymbolicLink(onPath.resolve("pgrunbook"), home.resolve("bin/pgrunbook"));
        // a run of another inventory: history leaves it out and names the command that lists it
        Path runs = Files.createDirectories(tmp.resolve("state/pgrunbook/runs"));
        Files.writeString(runs.resolve("20261130-090000-lab-0001.jsonl"), "{\"event\":\"start\",\"time\":\"2026-11-30T09:00:00Z\","
                + "\"runbook\":\"switchover\",\"cluster\":\"silkcloud\",\"inventory\":\"/elsewhere/inventory.yaml\"}\n");
        String inv = home.resolve("inventory.example.yaml").toString();
        Map<String, String> env = Map.of("PATH", onPath + ":" + System.getenv("PATH"), "PGRUNBOOK_CDS", "0",
                "XDG_STATE_HOME", tmp.resolve("state").toString());

        Out viaPath = run(List.of("bash", "-c", "pgrunbook -i " + inv + " history"), env);
        assertTrue(viaPath.text.contains("not shown: pgrunbook -i " + inv + " history --all"), viaPath.text);

        String typed = home.resolve("bin/pgrunbook").toString();
        Map<String, String> notOnPath = Map.of("PGRUNBOOK_CDS", "0", "XDG_STATE_HOME", tmp.resolve("state").toString());
        Out viaDir = run(List.of("bash", "-c", "cd " + home + " && bin/pgrunbook -i " + inv + " history"), notOnPath);
        assertTrue(viaDir.text.contains("not shown: bin/pgrunbook -i " + inv + " history --all"),
                "not on the PATH as called: the line names bin/pgrunbook: " + viaDir.text + " (" + typed + ")");
    }

    /**
     * A JDK 24 or later chosen with PGRUNBOOK_JAVA starts from an ahead-of-time cache: made at the first start, used by
     * the next, replaced (not piled up) when the jar changes, ignored in silence when broken.
     */
    @Test
    void a_chosen_jdk_24_or_later_starts_from_an_ahead_of_time_cache_kept_per_jar() throws Exception {
        int newest = newestJdk();
        // CI's machine has Temurin 25 beside Java 17, as the README's requirements say: there this must not be skipped
        assertTrue(newest >= 24 || !"true".equalsIgnoreCase(System.getenv("CI")), "no JDK 24 or later under /usr/lib/jvm on CI");
        Assumptions.assumeTrue(newest >= 24, "no JDK 24 or later under /usr/lib/jvm");
        Path home = unpack();
        Path cache = tmp.resolve("cache");
        Map<String, String> env = Map.of("XDG_CACHE_HOME", cache.toString(), "PGRUNBOOK_JAVA", newestJdkHome().toString());
        String launcher = home.resolve("bin/pgrunbook").toString();

        Out first = run(List.of(launcher, "--version"), env, false);
        assertEquals(0, first.code, first.text);
        assertTrue(first.text.contains("Java " + newest + "."), "the newest JDK, " + newest + ": " + first.text);
        List<Path> made = cached(cache);
        assertEquals(1, made.size(), "one cache: " + made);
        assertTrue(made.get(0).toString().endsWith(".aot"), made.toString());

        Out second = run(List.of(launcher, "--version"), with(env, "PGRUNBOOK_JAVA_OPTS", "-Xlog:class+load"), false);
        assertTrue(second.text.contains("io.pgrunbook.cli.Main source: shared objects file"), "started from the cache: " + second.text);
        // picocli's classes, upgraded at build from class file version 49, are in the cache too
        assertTrue(second.text.contains("picocli.CommandLine source: shared objects file"), second.text);

        Files.write(made.get(0), new byte[4096]);
        Out broken = run(List.of(launcher, "--version"), env, true);
        assertEquals(0, broken.code, broken.text);
        assertEquals("", broken.err, "a broken cache is ignored in silence");

        Files.setLastModifiedTime(home.resolve("lib/pgrunbook.jar"), java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 60_000));
        Out upgraded = run(List.of(launcher, "--version"), env, true);
        assertEquals(0, upgraded.code, upgraded.text);
        assertEquals("", upgraded.err);
        List<Path> after = cached(cache);
        assertEquals(1, after.size(), "the old jar's cache is removed: " + after);
        assertTrue(!after.equals(made) && Files.size(after.get(0)) > 1_000_000, "made again for the new jar: " + after);
    }

    /** JAVA_HOME wins over the newest JDK; Java 17 keeps its CDS archive; a cache directory that cannot be made costs nothing. */
    @Test
    void java_home_is_used_as_it_is_with_a_cds_archive_and_an_unwritable_cache_is_no_error() throws Exception {
        Path home = unpack();
        String launcher = home.resolve("bin/pgrunbook").toString();
        String javaHome = System.getProperty("java.home");
        String version = System.getProperty("java.version");
        Path cache = tmp.resolve("cache");
        Map<String, String> env = Map.of("XDG_CACHE_HOME", cache.toString(), "JAVA_HOME", javaHome);

        Out first = run(List.of(launcher, "--version"), env, true);
        assertEquals(0, first.code, first.text);
        assertTrue(first.text.contains("Java " + version), first.text);
        assertEquals("", first.err);
        List<Path> made = cached(cache);
        assertEquals(1, made.size(), made.toString());
        assertTrue(made.get(0).toString().endsWith(Runtime.version().feature() >= 24 ? ".aot" : ".jsa"), made.toString());
        Out second = run(List.of(launcher, "status", "--help"), with(env, "PGRUNBOOK_JAVA_OPTS", "-Xlog:class+load"), false);
        assertTrue(second.text.contains("io.pgrunbook.cli.Main source: shared objects file"), second.text);
        assertTrue(second.text.contains("picocli.CommandLine source: shared objects file"), second.text);

        // a cache directory under a file: it cannot be made, even by root
        Path file = Files.writeString(tmp.resolve("not-a-directory"), "");
        Out unwritable = run(List.of(launcher, "--version"), Map.of("XDG_CACHE_HOME", file.resolve("cache").toString(),
                "PGRUNBOOK_JAVA", javaHome), true);
        assertEquals(0, unwritable.code, unwritable.text);
        assertTrue(unwritable.text.contains("Java " + version), unwritable.text);
        assertEquals("", unwritable.err);
    }

    private static List<Path> cached(Path cache) throws IOException {
        try (Stream<Path> s = Files.list(cache.resolve("pgrunbook"))) {
            return s.sorted().toList();
        }
    }

    private static Map<String, String> with(Map<String, String> env, String key, String value) {
        Map<String, String> m = new java.util.HashMap<>(env);
        m.put(key, value);
        return m;
    }

    /** The newest JDK's directory under /usr/lib/jvm. */
    private static Path newestJdkHome() throws IOException {
        Path best = null;
        int newest = 0;
        try (Stream<Path> s = Files.list(Path.of("/usr/lib/jvm"))) {
            for (Path jdk : s.sorted().toList()) {
                int v = feature(jdk);
                if (v > newest) {
                    newest = v;
                    best = jdk;
                }
            }
        }
        return best;
    }

    private static int feature(Path jdk) throws IOException {
        Path release = jdk.resolve("release");
        if (!Files.isExecutable(jdk.resolve("bin/java")) || !Files.isRegularFile(release)) {
            return 0;
        }
        for (String line : Files.readAllLines(release)) {
            var m = java.util.regex.Pattern.compile("^JAVA_VERSION=\"(?:1\\.)?(\\d+)").matcher(line);
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        }
        return 0;
    }

    /** The feature number of the newest JDK under /usr/lib/jvm, by its release file; 0 when there is none. */
    private static int newestJdk() throws IOException {
        int newest = 0;
        if (!Files.isDirectory(Path.of("/usr/lib/jvm"))) {
            return 0;
        }
        try (Stream<Path> s = Files.list(Path.of("/usr/lib/jvm"))) {
            for (Path jdk : s.toList()) {
                Path release = jdk.resolve("release");
                if (!Files.isExecutable(jdk.resolve("bin/java")) || !Files.isRegularFile(release)) {
                    continue;
                }
                for (String line : Files.readAllLines(release)) {
                    var m = java.util.regex.Pattern.compile("^JAVA_VERSION=\"(?:1\\.)?(\\d+)").matcher(line);
                    if (m.find()) {
                        newest = Math.max(newest, Integer.parseInt(m.group(1)));
                    }
                }
            }
        }
        return newest;
    }

    private record Out(int code, String text, String err) {
        Out(int code, String text) {
            this(code, text, "");
        }
    }

    /** Without the operator's choice of Java (JAVA_HOME, PGRUNBOOK_JAVA) unless env gives one; stderr apart when asked. */
    private static Out run(List<String> cmd, Map<String, String> env, boolean apart) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(!apart);
        pb.environment().keySet().removeAll(List.of("PGRUNBOOK_COMMAND", "JAVA_HOME", "PGRUNBOOK_JAVA", "PGRUNBOOK_JAVA_OPTS", "PGRUNBOOK_CDS"));
        pb.environment().putAll(env);
        Process p = pb.start();
        var err = apart ? java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        }) : java.util.concurrent.CompletableFuture.completedFuture("");
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Out(p.waitFor(), text, err.join());
    }

    private static Out run(List<String> cmd, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true);
        pb.environment().remove("PGRUNBOOK_COMMAND");
        pb.environment().putAll(env);
        Process p = pb.start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Out(p.waitFor(), text);
    }
}
