package io.pgrunbook.action;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.InventoryLoader;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Transport;
import io.pgrunbook.remote.TransportException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import static io.pgrunbook.action.ScriptedSql.row;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/**
 * postgres.promote, fence and standby.catch-up over a mocked runtime: which statements and commands each sends, in
 * which order, and what it decides from the answers. The runtime is the boundary; what a real server does with them is
 * proven by FailoverIT, SwitchoverIT and SwitchoverCatchUpIT on the lab.
 */
class FailoverActionsTest {
    static final Cluster CLUSTER = new InventoryLoader(Map.of()).parse(Path.of("inventory.yaml"), """
            version: 1
            defaults:
              transport: local
              become: postgres
              postgres: {data_dir: /var/lib/pg/main, bin_dir: /usr/lib/postgresql/15/bin}
            clusters:
              lab:
                hosts:
                  db1: {address: 127.0.0.1, role: MASTER}
                  db2: {address: 127.0.0.2, role: SLAVE}
            """).cluster("lab");
    static final String PG_CTL = "/usr/lib/postgresql/15/bin/pg_ctl";

    static Host host(String n) {
        return CLUSTER.host(n).orElseThrow();
    }

    /** Commands sent to one host, answered by {@code answer} (by the command line as plans show it). */
    static final class Commands {
        final List<String> sent = new CopyOnWriteArrayList<>();
        final Transport transport = mock(Transport.class);

        Commands(Function<String, ExecResult> answer) {
            when(transport.exec(any(RemoteCommand.class), any(ExecOptions.class))).thenAnswer(i -> {
                String line = ((RemoteCommand) i.getArgument(0)).describe();
                sent.add(line);
                return answer.apply(line);
            });
        }

        int indexOf(String text) {
            for (int i = 0; i < sent.size(); i++) {
                if (sent.get(i).contains(text)) {
                    return i;
                }
            }
            return -1;
        }
    }

    static ExecResult exit(int code, String stdout) {
        return new ExecResult(code, stdout, "", Duration.ZERO);
    }

    /** A pg_ctl that says "running" with status exit {@code status}, and a postmaster that is alive (state S). */
    static Function<String, ExecResult> pgCtl(int status, int fastStop, int immediateStop) {
        return line -> {
            if (line.contains(" status ")) {
                return exit(status, "");
            }
            if (line.contains("st:-gone")) {
                return exit(0, "S\n");
            }
            if (line.contains("-m fast")) {
                return exit(fastStop, "");
            }
            if (line.contains("-m immediate")) {
                return exit(immediateStop, "");
            }
            throw new AssertionError("unexpected command: " + line);
        };
    }

    static StepContext ctx(Host on, Map<String, String> with, Duration timeout, ScriptedSql sql, Map<String, Commands> hosts)
            throws Exception {
        StepRuntime rt = mock(StepRuntime.class);
        when(rt.sql(any(), any())).thenAnswer(i -> sql.connection());
        when(rt.transport(any())).thenAnswer(i -> {
            Commands c = hosts.get(((Host) i.getArgument(0)).name());
            if (c == null) {
                throw new AssertionError("no command expected on " + ((Host) i.getArgument(0)).name());
            }
            return c.transport;
        });
        return new StepContext("step", CLUSTER, on, null, with, null, null, timeout, rt);
    }

    // ---- postgres.promote

    @Test
    void promote_resumes_paused_replay_before_pg_promote_waits_out_of_recovery_and_resets_standby_settings() throws Exception {
        ScriptedSql sql = new ScriptedSql()
                .value("SELECT pg_is_in_recovery()", "t", "t", "t", "f")
                .value("server_version_num", "150000")
                .answer("AS paused", row("paused", "t", "received", "0/5000100", "replayed", "0/5000000"))
                .value("pg_promote(false)", "t")
                .value("FROM pg_settings", "primary_conninfo, primary_slot_name");
        Result r = new PromoteAction().execute(ctx(host("db2"), Map.of(), Duration.ofSeconds(5), sql, Map.of()));
        assertTrue(r.ok(), r.message());
        assertTrue(r.message().startsWith("replay resumed; db2 promoted in "), r.message());
        assertTrue(r.message().contains("primary_conninfo, primary_slot_name removed"), r.message());
        assertTrue(sql.indexOf("pg_wal_replay_resume()") >= 0, sql.sent.toString());
        assertTrue(sql.indexOf("pg_wal_replay_resume()") < sql.indexOf("pg_promote(false)"), sql.sent.toString());
        assertTrue(sql.indexOf("pg_promote(false)") < sql.indexOf("ALTER SYSTEM RESET primary_conninfo"), sql.sent.toString());
        assertEquals(4, sql.sent.stream().filter(s -> s.equals("SELECT pg_is_in_recovery()")).count(),
                "asked once before and until it said f after pg_promote: " + sql.sent);
    }

    @Test
    void promote_of_a_node_already_primary_sends_no_pg_promote() throws Exception {
        ScriptedSql sql = new ScriptedSql().value("SELECT pg_is_in_recovery()", "f").value("FROM pg_settings", "");
        Result r = new PromoteAction().execute(ctx(host("db2"), Map.of(), Duration.ofSeconds(5), sql, Map.of()));
        assertTrue(r.ok(), r.message());
        assertTrue(r.message().contains("already a primary"), r.message());
        assertFalse(sql.sentContaining("pg_promote"), sql.sent.toString());
        assertFalse(sql.sentContaining("ALTER SYSTEM"), "nothing left to reset: " + sql.sent);
    }

    @Test
    void promote_fails_when_the_node_stays_in_recovery_past_its_timeout_and_resets_nothing() throws Exception {
        ScriptedSql sql = new ScriptedSql()
                .value("SELECT pg_is_in_recovery()", "t")
                .value("server_version_num", "150000")
                .answer("AS paused", row("paused", "f", "received", "0/5000100", "replayed", "0/5000100"))
                .value("pg_promote(false)", "t");
        Result r = new PromoteAction().execute(ctx(host("db2"), Map.of(), Duration.ofMillis(300), sql, Map.of()));
        assertFalse(r.ok(), r.message());
        assertTrue(r.message().contains("db2: still in recovery"), r.message());
        assertFalse(sql.sentContaining("pg_wal_replay_resume"), "replay was not paused: " + sql.sent);
        assertFalse(sql.sentContaining("ALTER SYSTEM"), sql.sent.toString());
    }

    @Test
    void promote_fails_when_pg_promote_cannot_signal_the_postmaster() throws Exception {
        ScriptedSql sql = new ScriptedSql()
                .value("SELECT pg_is_in_recovery()", "t")
                .value("server_version_num", "150000")
                .answer("AS paused", row("paused", "f", "received", "0/5000100", "replayed", "0/5000100"))
                .value("pg_promote(false)", "f");
        Result r = new PromoteAction().execute(ctx(host("db2"), Map.of(), Duration.ofSeconds(5), sql, Map.of()));
        assertFalse(r.ok());
        assertEquals("db2: pg_promote could not signal the postmaster", r.message());
    }

    @Test
    void promote_refuses_before_any_sql_when_the_fenced_old_primary_runs_again() throws Exception {
        ScriptedSql sql = new ScriptedSql().value("SELECT pg_is_in_recovery()", "t");
        Commands db1 = new Commands(pgCtl(0, 0, 0));
        List<String> why = new PromoteAction().preconditions(ctx(host("db2"), Map.of("fenced", "db1"), null, sql,
                Map.of("db1", db1)));
        assertEquals(1, why.size(), why.toString());
        assertTrue(why.get(0).startsWith("db1 runs again since it was fenced"), why.get(0));
        assertTrue(why.get(0).contains("nothing was promoted"), why.get(0));
        assertTrue(sql.sent.isEmpty(), "the target is not even asked: " + sql.sent);
    }

    @Test
    void promote_goes_ahead_while_the_fenced_old_primary_stays_down() throws Exception {
        ScriptedSql sql = new ScriptedSql().value("SELECT pg_is_in_recovery()", "t");
        Commands db1 = new Commands(pgCtl(3, 0, 0));
        List<String> why = new PromoteAction().preconditions(ctx(host("db2"), Map.of("fenced", "db1"), null, sql,
                Map.of("db1", db1)));
        assertEquals(List.of(), why);
        assertEquals(1, db1.sent.size(), db1.sent.toString());
        assertEquals("(as postgres) " + PG_CTL + " status -D /var/lib/pg/main", db1.sent.get(0));
    }

    // ---- fence

    @Test
    void fence_of_a_stopped_server_sends_no_stop() throws Exception {
        Commands db1 = new Commands(pgCtl(3, 0, 0));
        Result r = new FenceAction().execute(ctx(host("db1"), Map.of(), null, new ScriptedSql(), Map.of("db1", db1)));
        assertTrue(r.ok(), r.message());
        assertEquals("db1: PostgreSQL is not running (fenced)", r.message());
        assertEquals(-1, db1.indexOf(" stop "), db1.sent.toString());
        assertTrue(r.opened().isEmpty(), "it stopped nothing, so a stopped run must start nothing: " + r.opened());
    }

    @Test
    void fence_stops_a_running_primary_fast_and_opens_the_stopped_hazard_undone_by_postgres_start() throws Exception {
        Commands db1 = new Commands(pgCtl(0, 0, 0));
        Result r = new FenceAction().execute(ctx(host("db1"), Map.of(), null, new ScriptedSql(), Map.of("db1", db1)));
        assertTrue(r.ok(), r.message());
        assertEquals("db1: PostgreSQL stopped (fenced)", r.message());
        assertTrue(db1.indexOf("-m fast") > db1.indexOf(" status "), db1.sent.toString());
        assertEquals(-1, db1.indexOf("-m immediate"), db1.sent.toString());
        assertEquals(1, r.opened().size(), r.opened().toString());
        assertEquals(Hazard.POSTGRES_STOPPED, r.opened().get(0).kind());
        assertEquals("postgres.start", r.opened().get(0).undo());
        assertEquals("db1", r.opened().get(0).host());
    }

    @Test
    void fence_stops_immediately_when_the_fast_stop_fails() throws Exception {
        Commands db1 = new Commands(pgCtl(0, 1, 0));
        Result r = new FenceAction().execute(ctx(host("db1"), Map.of(), null, new ScriptedSql(), Map.of("db1", db1)));
        assertTrue(r.ok(), r.message());
        assertTrue(db1.indexOf("-m fast") >= 0 && db1.indexOf("-m fast") < db1.indexOf("-m immediate"), db1.sent.toString());
        assertEquals(Hazard.POSTGRES_STOPPED, r.opened().get(0).kind());
    }

    @Test
    void fence_of_a_server_that_cannot_be_stopped_fails() throws Exception {
        Commands db1 = new Commands(pgCtl(0, 1, 1));
        Result r = new FenceAction().execute(ctx(host("db1"), Map.of(), null, new ScriptedSql(), Map.of("db1", db1)));
        assertFalse(r.ok(), r.message());
        assertEquals("db1: could not stop PostgreSQL", r.message());
    }

    @Test
    void fence_of_an_unreachable_host_needs_a_hook_or_the_operators_confirmation_by_name() throws Exception {
        Commands down = new Commands(line -> {
            throw new TransportException("db1", "connection refused");
        });
        Result refused = new FenceAction().execute(ctx(host("db1"), Map.of(), null, new ScriptedSql(), Map.of("db1", down)));
        assertFalse(refused.ok(), refused.message());
        assertTrue(refused.message().contains("no hooks.fence"), refused.message());
        assertTrue(refused.message().contains("--fenced db1"), refused.message());
        Result otherName = new FenceAction().execute(ctx(host("db1"), Map.of("confirmed", "db2"), null, new ScriptedSql(),
                Map.of("db1", down)));
        assertFalse(otherName.ok(), "confirming another host confirms nothing: " + otherName.message());
        Result confirmed = new FenceAction().execute(ctx(host("db1"), Map.of("confirmed", "db1"), null, new ScriptedSql(),
                Map.of("db1", down)));
        assertTrue(confirmed.ok(), confirmed.message());
        assertEquals("db1 is unreachable; the operator confirmed it is fenced", confirmed.message());
    }

    // ---- standby.catch-up

    static Commands controlData(String state, String checkpoint, boolean crcOk) {
        return new Commands(line -> {
            if (!line.contains("pg_controldata")) {
                throw new AssertionError("unexpected command: " + line);
            }
            return exit(0, (crcOk ? "" : "WARNING: Calculated CRC checksum does not match value stored in file.\n")
                    + "pg_control version number:            1300\nDatabase cluster state:               " + state
                    + "\nLatest checkpoint location:           " + checkpoint + "\n");
        });
    }

    @Test
    void catch_up_passes_once_the_standby_received_and_replayed_past_the_shutdown_checkpoint() throws Exception {
        ScriptedSql sql = new ScriptedSql()
                .value("server_version_num", "150000")
                .answer("AS received",
                        row("received", "0/5000028", "replayed", "0/5000000", "paused", "f"),
                        row("received", "0/50000A0", "replayed", "0/5000028", "paused", "f"),
                        row("received", "0/50000A0", "replayed", "0/50000A0", "paused", "f"));
        Commands db1 = controlData("shut down", "0/5000028", true);
        Result r = new CatchUpAction().execute(ctx(host("db2"), Map.of("from", "db1"), Duration.ofSeconds(5), sql,
                Map.of("db1", db1)));
        assertTrue(r.ok(), r.message());
        assertTrue(r.message().startsWith("db2 has db1's shutdown checkpoint 0/5000028: received 0/50000A0, replayed 0/50000A0"),
                r.message());
        assertEquals(3, sql.sent.stream().filter(s -> s.contains("AS received")).count(),
                "equal to the checkpoint is not past it: " + sql.sent);
    }

    @Test
    void catch_up_fails_with_the_figures_when_the_standby_stays_behind() throws Exception {
        ScriptedSql sql = new ScriptedSql()
                .value("server_version_num", "150000")
                .answer("AS received", row("received", "0/5000000", "replayed", "0/4FFFF00", "paused", "t"));
        Result r = new CatchUpAction().execute(ctx(host("db2"), Map.of("from", "db1"), Duration.ofMillis(300), sql,
                Map.of("db1", controlData("shut down", "0/5000028", true))));
        assertFalse(r.ok(), r.message());
        assertTrue(r.message().startsWith("db2 did not reach db1's shutdown checkpoint 0/5000028 within 0s"), r.message());
        assertTrue(r.message().contains("received 0/5000000, replayed 0/4FFFF00 (replay paused)"), r.message());
        assertTrue(r.message().endsWith("nothing was promoted"), r.message());
    }

    @Test
    void catch_up_refuses_an_old_primary_not_shut_down_cleanly_without_asking_the_standby() throws Exception {
        ScriptedSql sql = new ScriptedSql();
        Result r = new CatchUpAction().execute(ctx(host("db2"), Map.of("from", "db1"), Duration.ofSeconds(5), sql,
                Map.of("db1", controlData("in production", "0/5000028", true))));
        assertFalse(r.ok(), r.message());
        assertTrue(r.message().startsWith("db1 is \"in production\", not \"shut down\""), r.message());
        assertTrue(sql.sent.isEmpty(), sql.sent.toString());
    }

    @Test
    void catch_up_distrusts_a_pg_control_whose_checksum_does_not_match() throws Exception {
        ScriptedSql sql = new ScriptedSql();
        Result r = new CatchUpAction().execute(ctx(host("db2"), Map.of("from", "db1"), Duration.ofSeconds(5), sql,
                Map.of("db1", controlData("shut down", "0/5000028", false))));
        assertFalse(r.ok(), r.message());
        assertTrue(r.message().contains("checksum does not match"), r.message());
        assertTrue(sql.sent.isEmpty(), sql.sent.toString());
    }
}
