package io.pgrunbook.cli;

import io.pgrunbook.cluster.LiveState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.cluster.NodeStateBuilder;
import io.pgrunbook.cluster.Verdicts;
import io.pgrunbook.inventory.InventoryLoader;
import io.pgrunbook.inventory.Role;
import io.pgrunbook.it.CliRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CliTest {
    @TempDir
    Path dir;

    CliRunner.Result run(Map<String, String> env, String... args) {
        return CliRunner.run(new CliContext(env, dir, h -> {
            throw new AssertionError("no transport expected");
        }, false), null, args);
    }

    CliRunner.Result run(String... args) {
        return run(Map.of("HOME", dir.toString()), args);
    }

    @Test
    void version_and_help_work_on_every_command() {
        CliRunner.Result v = run("--version");
        assertEquals(0, v.code(), v.toString());
        assertTrue(v.out().startsWith("pgrunbook "), v.toString());
        for (String[] cmd : List.of(new String[]{"status", "--help"}, new String[]{"inventory", "validate", "--help"},
                new String[]{"lab", "up", "--help"}, new String[]{"inventory", "--version"})) {
            CliRunner.Result r = run(cmd);
            assertEquals(0, r.code(), r.toString());
            assertFalse(r.out().isBlank(), r.toString());
        }
    }

    @Test
    void unknown_option_is_a_usage_error_with_a_suggestion() {
        CliRunner.Result r = run("status", "--wacth", "2");
        assertEquals(64, r.code(), r.toString());
        assertTrue(r.err().contains("--wacth"), r.toString());
        assertTrue(r.err().contains("--watch"), r.toString());
    }

    @Test
    void invalid_inventory_exits_65_with_location_and_no_stack_trace() throws Exception {
        Path inv = dir.resolve("inventory.yaml");
        Files.writeString(inv, "clusters:\n  c:\n    hosts:\n      a: {adress: 10.0.0.1, role: MASTER}\n");
        CliRunner.Result r = run("inventory", "validate", "-i", inv.toString());
        assertEquals(65, r.code(), r.toString());
        assertTrue(r.err().contains(inv + ":4:11: unknown key 'adress'"), r.toString());
        assertTrue(r.err().contains("did you mean 'address'?"), r.toString());
        assertFalse(r.err().contains("\tat "), r.toString());
    }

    @Test
    void inventory_comes_from_env_then_working_directory() throws Exception {
        Path inv = dir.resolve("elsewhere.yaml");
        Files.writeString(inv, "clusters:\n  c:\n    hosts:\n      a: {address: 10.0.0.1, role: MASTER}\n");
        CliRunner.Result r = run(Map.of("HOME", dir.toString(), "PGRUNBOOK_INVENTORY", inv.toString()), "inventory", "validate");
        assertEquals(0, r.code(), r.toString());
        CliRunner.Result missing = run("inventory", "validate");
        assertEquals(65, missing.code(), missing.toString());
        assertTrue(missing.err().contains(dir.resolve("inventory.yaml") + ": no such inventory file"), missing.toString());
        assertTrue(missing.err().contains("hint:"), missing.toString());
    }

    @Test
    void inventory_show_prints_merged_values() throws Exception {
        Path inv = dir.resolve("inventory.yaml");
        Files.writeString(inv, "defaults: {postgres: {port: 5433}}\nclusters:\n  c:\n    hosts:\n      a: {address: 10.0.0.1, role: MASTER}\n");
        CliRunner.Result r = run("-o", "json", "inventory", "show");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("\"port\" : 5433"), r.toString());
        assertTrue(r.out().contains("\"data_dir\" : \"/var/lib/postgresql/15/main\""), r.toString());
    }

    @Test
    void status_json_has_the_documented_fields_in_order() throws Exception {
        var cluster = new InventoryLoader(Map.of()).parse(Path.of("i.yaml"),
                "clusters:\n  c:\n    hosts:\n      db1: {address: 10.0.0.1, role: MASTER}\n").cluster(null);
        var state = Verdicts.judge(cluster, List.of(NodeStateBuilder.node("db1", "10.0.0.1", Role.MASTER)
                .state(LiveState.PRIMARY).timeline(1).lsn("0/3000000")
                .systemIdentifier("1").version(150000, "15").probeMillis(1).build()), Instant.EPOCH, 1);
        String json = Json.compact(StatusView.json(state));
        assertEquals("{\"cluster\":\"c\",\"verdict\":\"HEALTHY\",\"primary\":\"db1\",\"hosts\":[{\"name\":\"db1\","
                + "\"address\":\"10.0.0.1\",\"role\":\"MASTER\",\"state\":\"primary\",\"timeline\":1,\"lsn\":\"0/3000000\","
                + "\"lag_bytes\":null,\"replay_paused\":null,\"upstream\":null,\"pgbouncer_target\":null,\"pgbouncer_pause\":null}],"
                + "\"notes\":[],\"next\":null,\"probed_at\":\"1970-01-01T00:00:00Z\"}", json);
    }

    private Path twoHosts() throws Exception {
        Path inv = dir.resolve("inventory.yaml");
        Files.writeString(inv, "clusters:\n  c:\n    hosts:\n      db1: {address: 10.0.0.1, role: MASTER}\n"
                + "      db2: {address: 10.0.0.2, role: SLAVE}\n");
        return inv;
    }

    @Test
    void an_unknown_option_is_named_even_when_a_required_option_is_missing() {
        CliRunner.Result r = run("switchover", "--fomr", "db1", "--yes");
        assertEquals(64, r.code(), r.toString());
        assertTrue(r.err().contains("Unknown option: '--fomr'"), r.toString());
        assertTrue(r.err().contains("Missing required option: '--to=HOST'"), r.toString());
        assertTrue(r.err().contains("Try 'pgrunbook switchover --help'"), r.toString());
        CliRunner.Result known = run("failover", "--from", "db1", "-y", "-i", "x.yaml");
        assertEquals(64, known.code(), known.toString());
        assertFalse(known.err().contains("Unknown option"), known.toString());
    }

    @Test
    void a_zero_or_overflowing_duration_is_a_usage_error_before_anything_is_probed() throws Exception {
        twoHosts();
        for (String bad : new String[]{"0", "0s", "99999999999999999999999d", "soon"}) {
            CliRunner.Result r = run("smoke", "--timeout", bad);
            assertEquals(64, r.code(), bad + ": " + r);
            assertTrue(r.err().contains("Invalid value for option '--timeout'"), r.toString());
            assertTrue(r.err().contains("--help"), r.toString());
        }
    }

    @Test
    void confirm_host_naming_no_host_of_the_cluster_is_a_usage_error_before_any_probe() throws Exception {
        twoHosts();
        CliRunner.Result r = run("switchover", "--to", "db2", "--yes", "--confirm-host", "db9");
        assertEquals(64, r.code(), r.toString());
        assertTrue(r.err().contains("--confirm-host db9: cluster c has no host of that name"), r.toString());
        assertTrue(r.err().contains("its hosts: db1, db2"), r.toString());
        CliRunner.Result dry = run("run", "switchover", "--dry-run", "-p", "to=db2", "--confirm-host", "db1x");
        assertEquals(64, dry.code(), dry.toString());
    }

    @Test
    void options_without_a_command_are_a_usage_error_not_success() throws Exception {
        Path inv = twoHosts();
        for (String[] args : List.of(new String[]{"-i", inv.toString()}, new String[]{}, new String[]{"-o", "json"})) {
            CliRunner.Result r = run(args);
            assertEquals(64, r.code(), r.toString());
            assertTrue(r.err().contains("no command given"), r.toString());
            if (List.of(args).contains("json")) {
                // -o json: the error as JSON on stdout too, never a document a script could take for success
                assertEquals("usage", Json.JSON.readTree(r.out()).path("error").path("code").asText(), r.toString());
            } else {
                assertTrue(r.out().isEmpty(), r.toString());
            }
        }
    }

    @Test
    void the_usage_and_suggestions_without_a_command_are_those_of_the_whole_tree() {
        CliContext ctx = new CliContext(Map.of("HOME", dir.toString()), dir, h -> {
            throw new AssertionError("no transport expected");
        }, false);
        java.io.PrintWriter none = new java.io.PrintWriter(java.io.Writer.nullWriter());
        // the commands the arguments do not name are outlines (name and description only): what they print must not change
        String whole = Cli.commandLine(ctx, none, none).getUsageMessage(picocli.CommandLine.Help.Ansi.OFF);
        String outlined = Cli.commandLine(ctx, none, none, new String[]{"--help"}).getUsageMessage(picocli.CommandLine.Help.Ansi.OFF);
        assertEquals(whole, outlined);
        assertTrue(outlined.contains("repair-replica") && !outlined.contains("cds-training"), outlined);
        CliRunner.Result typo = run("stauts");
        assertEquals(64, typo.code(), typo.toString());
        assertTrue(typo.err().contains("Did you mean: pgrunbook status"), typo.toString());
        assertEquals(List.of(), List.copyOf(Cli.commandLine(ctx, none, none, new String[]{"-i", "x.yaml", "--version"})
                .getSubcommands().keySet()), "--version builds no subcommand");
        assertTrue(Cli.versionOnly(new String[]{"-v", "--version"}));
        assertFalse(Cli.versionOnly(new String[]{"--version", "--help"}), "--help wins over --version in picocli");
        assertFalse(Cli.versionOnly(new String[]{"stauts", "--version"}));
    }
}
