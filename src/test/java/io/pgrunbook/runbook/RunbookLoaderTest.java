package io.pgrunbook.runbook;

import io.pgrunbook.action.Registry;
import io.pgrunbook.cli.ExitCodes;
import io.pgrunbook.core.Outcome;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunbookLoaderTest {
    private final RunbookLoader loader = new RunbookLoader(Registry.builtins());

    private RunbookException error(String file) {
        return assertThrows(RunbookException.class, () -> loader.load(Fixtures.RUNBOOKS.resolve(file)));
    }

    private String where(String file, int line, int col) {
        return Fixtures.RUNBOOKS.resolve(file) + ":" + line + ":" + col + ": ";
    }

    @Test
    void a_user_runbook_loads_with_params_preflight_and_every_step_kind() {
        Runbook rb = Fixtures.runbook("maintenance.yaml");
        assertEquals("maintenance", rb.name());
        assertEquals(4, rb.params().size());
        assertEquals(2, rb.preflight().size());
        assertEquals(6, rb.steps().size());
        assertEquals(ParamType.HOST, rb.param("target").orElseThrow().type());
        assertEquals(64, rb.sha256().length());
    }

    @Test
    void unknown_placeholder_name_is_reported_at_its_line_and_column() {
        RunbookException e = error("bad-unknown-name.yaml");
        assertEquals(Outcome.INVALID_INPUT, e.outcome());
        assertTrue(e.getMessage().startsWith(where("bad-unknown-name.yaml", 6, 15) + "unknown name 'too'"), e.getMessage());
        assertTrue(e.getMessage().contains("known: host, primary, cluster, to"), e.getMessage());
    }

    @Test
    void unknown_inventory_value_on_a_host_is_reported_with_the_choices() {
        RunbookException e = error("bad-host-path.yaml");
        assertTrue(e.getMessage().startsWith(where("bad-host-path.yaml", 5, 13) + "unknown name 'to.postgres.datadir'"), e.getMessage());
        assertTrue(e.getMessage().contains("postgres.data_dir"), e.getMessage());
    }

    @Test
    void placeholder_inside_shell_quotes_is_refused_because_pgrunbook_quotes_it() {
        RunbookException e = error("bad-quoted-placeholder.yaml");
        assertTrue(e.getMessage().startsWith(where("bad-quoted-placeholder.yaml", 5, 14) + "{{dir}} inside quotes"), e.getMessage());
    }

    @Test
    void placeholder_inside_a_sql_string_is_refused() {
        RunbookException e = error("bad-sql-quoted.yaml");
        assertTrue(e.getMessage().contains("bad-sql-quoted.yaml:5:") && e.getMessage().contains("inside a quoted SQL string"), e.getMessage());
    }

    @Test
    void unknown_action_names_the_known_ones() {
        RunbookException e = error("bad-unknown-action.yaml");
        assertTrue(e.getMessage().startsWith(where("bad-unknown-action.yaml", 4, 13) + "unknown action 'postgres.promte'"), e.getMessage());
        assertTrue(e.getMessage().contains("postgres.restart"), e.getMessage());
    }

    @Test
    void unknown_step_key_is_located() {
        RunbookException e = error("bad-unknown-key.yaml");
        assertTrue(e.getMessage().startsWith(where("bad-unknown-key.yaml", 6, 5) + "unknown key 'on_eror'"), e.getMessage());
    }

    @Test
    void placeholder_in_a_block_script_is_located_on_its_own_line() {
        RunbookException e = error("bad-block.yaml");
        assertTrue(e.getMessage().startsWith(where("bad-block.yaml", 7, 12) + "unknown name 'nope'"), e.getMessage());
    }

    @Test
    void yaml_syntax_errors_are_runbook_errors_with_location() {
        RunbookException e = assertThrows(RunbookException.class, () -> loader.parse("x.yaml", "name: a\nsteps: [\n"));
        assertTrue(e.getMessage().startsWith("x.yaml:"), e.getMessage());
        assertEquals(65, io.pgrunbook.cli.ExitCodes.of(e.outcome()));
    }

    @Test
    void run_step_without_on_and_host_in_a_note_without_on_are_errors() {
        assertTrue(assertThrows(RunbookException.class, () -> loader.parse("x.yaml", "name: a\nsteps:\n  - run: ls\n"))
                .getMessage().contains("x.yaml:3:10: a run step needs 'on'"));
        assertTrue(assertThrows(RunbookException.class, () -> loader.parse("x.yaml", "name: a\nsteps:\n  - note: on {{host}}\n"))
                .getMessage().contains("x.yaml:3:14: {{host}} means the host a step runs on"));
    }

    @Test
    void action_options_are_checked_at_load_time() {
        String rb = "name: a\nsteps:\n  - action: postgres.stop\n    on: primary\n    with: {mode: fast, force: true}\n";
        assertTrue(assertThrows(RunbookException.class, () -> loader.parse("x.yaml", rb)).getMessage()
                .contains("x.yaml:5:24: 'postgres.stop' takes no option 'force'; options: mode"));
    }

    @Test
    void shipped_and_local_runbooks_resolve_by_name() {
        Runbook rb = loader.resolve("maintenance", Path.of("src/test/resources").toAbsolutePath());
        assertEquals("maintenance", rb.name());
        Runbook shipped = loader.resolve("reload-config", Path.of("src/test/java").toAbsolutePath());
        assertEquals("jar:runbooks/reload-config.yaml", shipped.source());
        assertEquals(Outcome.USAGE, assertThrows(io.pgrunbook.core.PgrunbookException.class,
                () -> loader.resolve("no-such-runbook", Path.of("."))).outcome());
    }

    @Test
    void a_stray_document_marker_in_a_runbook_is_refused_instead_of_dropping_the_steps_after_it() throws Exception {
        String text = java.nio.file.Files.readString(Path.of("runbooks/switchover.yaml"));
        int resume = text.indexOf("  - name: Point PgBouncer at the new primary");
        assertTrue(resume > 0, "switchover.yaml has the step that resumes PgBouncer");
        String broken = text.substring(0, resume) + "---\n" + text.substring(resume);
        RunbookException e = assertThrows(RunbookException.class, () -> loader.parse("rb.yaml", broken));
        int line = (int) text.substring(0, resume).chars().filter(c -> c == '\n').count() + 1;
        assertTrue(e.getMessage().startsWith("rb.yaml:" + line + ":1: a second YAML document"), e.getMessage());
        assertEquals(Outcome.INVALID_INPUT, e.outcome());
    }

    @Test
    void an_undefined_alias_in_a_runbook_is_refused_where_it_stands() {
        RunbookException e = assertThrows(RunbookException.class, () -> loader.parse("rb.yaml",
                "name: x\nsteps:\n  - note: *DD\n"));
        assertTrue(e.getMessage().startsWith("rb.yaml:3:11: undefined alias '*DD'"), e.getMessage());
        Runbook ok = loader.parse("rb.yaml", "name: x\nsteps:\n  - note: &n hello\n  - note: *n\n");
        assertEquals("hello", ok.steps().get(1).text().source());
    }
}
