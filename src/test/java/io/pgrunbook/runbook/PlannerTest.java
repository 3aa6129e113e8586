package io.pgrunbook.runbook;

import io.pgrunbook.action.Registry;
import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.core.Secrets;
import io.pgrunbook.inventory.Cluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlannerTest {
    @TempDir
    Path dir;

    private final RunbookLoader loader = new RunbookLoader(Registry.builtins());
    private final Planner planner = new Planner(Registry.builtins());

    private Cluster cluster() {
        return Fixtures.inventory(dir).cluster("lab");
    }

    private Plan plan(String yaml, Map<String, String> params) {
        return planner.plan(loader.parse("t.yaml", yaml), cluster(), Fixtures.state("db1"), params);
    }

    @Test
    void user_runbook_renders_every_step_on_named_hosts() {
        Plan p = planner.plan(Fixtures.runbook("maintenance.yaml"), cluster(), Fixtures.state("db1"), Map.of("target", "db2"));
        assertEquals("db1", p.primary());
        assertEquals(List.of("note: Working on db2 (127.0.0.2) in cluster lab, primary db1"), p.step(1).targets().get(0).commands());
        assertEquals(List.of("ls -d /tmp && echo marker=none host=db2 data=/var/lib/pg/main"), p.step(2).targets().get(0).commands());
        assertEquals(List.of("db1"), p.step(3).hosts());
        assertEquals(List.of("psql postgres@db1: select 'none' as marker, 'db2' as target"), p.step(3).targets().get(0).commands());
        assertFalse(p.step(4).runs(), "when {{really}} is false by default");
        assertEquals("false", p.step(4).when());
        assertEquals(List.of("db2"), p.step(5).hosts());
        assertEquals(List.of("ask: Finish the maintenance on db2?"), p.step(6).targets().get(0).commands());
        assertEquals(List.of("db2"), p.preflight().get(1).hosts());
    }

    @Test
    void malicious_values_are_one_shell_word_and_one_sql_literal() {
        Plan p = planner.plan(Fixtures.runbook("maintenance.yaml"), cluster(), Fixtures.state("db1"),
                Map.of("target", "db2", "dir", "/data; touch /tmp/pwned", "marker", "x'); drop table t; --"));
        assertEquals("ls -d '/data; touch /tmp/pwned' && echo marker='x'\"'\"'); drop table t; --' host=db2 data=/var/lib/pg/main",
                p.step(2).targets().get(0).context().text());
        assertEquals("select 'x''); drop table t; --' as marker, 'db2' as target", p.step(3).targets().get(0).context().text());
    }

    @Test
    void sql_literals_with_backslashes_use_escape_syntax() {
        assertEquals("E'a\\\\b''c'", Quoting.sqlLiteral("a\\b'c"));
        assertEquals("'plain'", Quoting.sqlLiteral("plain"));
    }

    @Test
    void on_resolves_roles_live_primary_standbys_pgbouncers_all_and_lists() {
        String rb = """
                name: t
                steps:
                  - {run: "true", on: primary}
                  - {run: "true", on: standbys}
                  - {run: "true", on: pgbouncers}
                  - {run: "true", on: all}
                  - {run: "true", on: BCP}
                  - {run: "true", on: "db3, db2"}
                """;
        Plan p = plan(rb, Map.of());
        assertEquals(List.of("db1"), p.step(1).hosts());
        assertEquals(List.of("db2", "db3"), p.step(2).hosts());
        assertEquals(List.of("db1"), p.step(3).hosts());
        assertEquals(List.of("db1", "db2", "db3", "db4"), p.step(4).hosts());
        assertEquals(List.of("db3"), p.step(5).hosts());
        assertEquals(List.of("db3", "db2"), p.step(6).hosts());
        // after a failover the live primary moves; designed roles do not
        Plan after = planner.plan(loader.parse("t.yaml", rb), cluster(), Fixtures.state("db2"), Map.of());
        assertEquals(List.of("db2"), after.step(1).hosts());
        assertEquals(List.of("db1", "db3"), after.step(2).hosts());
    }

    @Test
    void params_are_checked_against_the_runbook_and_the_inventory() {
        Runbook rb = Fixtures.runbook("maintenance.yaml");
        PgrunbookException missing = assertThrows(PgrunbookException.class, () -> planner.plan(rb, cluster(), Fixtures.state("db1"), Map.of()));
        assertEquals(Outcome.USAGE, missing.outcome());
        assertTrue(missing.getMessage().contains("needs --param target=VALUE"), missing.getMessage());
        PgrunbookException unknown = assertThrows(PgrunbookException.class,
                () -> planner.plan(rb, cluster(), Fixtures.state("db1"), Map.of("target", "db2", "tagret", "x")));
        assertTrue(unknown.getMessage().contains("no parameter 'tagret'"), unknown.getMessage());
        PgrunbookException host = assertThrows(PgrunbookException.class,
                () -> planner.plan(rb, cluster(), Fixtures.state("db1"), Map.of("target", "db9")));
        assertTrue(host.getMessage().contains("'db9' is not a host of cluster lab"), host.getMessage());
        PgrunbookException bool = assertThrows(PgrunbookException.class,
                () -> planner.plan(rb, cluster(), Fixtures.state("db1"), Map.of("target", "db2", "really", "maybe")));
        assertTrue(bool.getMessage().contains("not true or false"), bool.getMessage());
    }

    @Test
    void a_step_on_the_primary_is_refused_when_there_is_no_live_primary() {
        var none = new io.pgrunbook.cluster.ClusterState("lab", io.pgrunbook.cluster.Verdict.NO_PRIMARY, null,
                Fixtures.state("db1").hosts(), List.of(), java.time.Instant.now(), 1);
        PgrunbookException e = assertThrows(PgrunbookException.class, () -> planner.plan(
                loader.parse("t.yaml", "name: t\nsteps:\n  - {name: List, run: ls, on: primary}\n"), cluster(), none, Map.of()));
        assertEquals(Outcome.REFUSED, e.outcome());
        assertEquals("refused: there is no live primary; step 1 (List) of t needs the one live primary", e.getMessage());
        assertFalse(e.getMessage().contains("t.yaml"), "no runbook file path in the refusal");
    }

    @Test
    void postgres_actions_use_pg_ctl_as_the_become_user() {
        String rb = """
                name: t
                steps:
                  - {action: postgres.stop, on: db2, with: {mode: immediate}}
                  - {action: postgres.start, on: db2, as: postgres}
                  - {action: postgres.reload, on: db2}
                """;
        Plan p = plan(rb, Map.of());
        assertEquals("/usr/lib/postgresql/15/bin/pg_ctl -D /var/lib/pg/main stop -m immediate   (-W, then wait for postmaster.pid to go,"
                + " every 10 ms)", p.step(1).targets().get(0).commands().get(0));
        assertEquals("(as postgres) /usr/lib/postgresql/15/bin/pg_ctl -D /var/lib/pg/main -w start", p.step(2).targets().get(0).commands().get(0));
        assertEquals("/usr/lib/postgresql/15/bin/pg_ctl -D /var/lib/pg/main reload", p.step(3).targets().get(0).commands().get(0));
    }

    @Test
    void when_conditions_compare_rendered_values() {
        assertTrue(Planner.truth("fast == fast"));
        assertFalse(Planner.truth("fast != fast"));
        assertFalse(Planner.truth("false"));
        assertTrue(Planner.truth("not false"));
        assertTrue(Planner.truth(null));
    }

    @Test
    void secrets_are_masked_in_plans_journals_and_logs() {
        assertEquals("psql password=**** host=x", Secrets.mask("psql password=s3cret host=x"));
        assertEquals("PGPASSWORD=**** psql", Secrets.mask("PGPASSWORD='a b' psql"));
        assertEquals("ALTER ROLE app PASSWORD '****'", Secrets.mask("ALTER ROLE app PASSWORD 'it''s'"));
        assertEquals("postgresql://app:****@db1/app", Secrets.mask("postgresql://app:pw@db1/app"));
        assertEquals("{\"password\": ****}", Secrets.mask("{\"password\": \"x\"}"));
        assertEquals("run **** now", Secrets.mask("run hunter22 now", List.of("hunter22")));
    }
}
