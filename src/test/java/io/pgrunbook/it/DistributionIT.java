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

    private record Out(int code, String text) {
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
