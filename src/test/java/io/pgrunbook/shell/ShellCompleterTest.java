package io.pgrunbook.shell;

import io.pgrunbook.cli.Cli;
import io.pgrunbook.cli.CliContext;
import io.pgrunbook.remote.LocalTransport;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShellCompleterTest {
    private static final List<String> HOSTS = List.of("db1", "db2", "db3", "db4");
    private final ShellCompleter completer = new ShellCompleter(
            Cli.commandLine(new CliContext(Map.of(), Path.of("."), h -> new LocalTransport(h.name()), false),
                    new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())),
            () -> new ShellCompleter.Names(HOSTS, List.of("lab", "prod"), List.of("failover", "rebuild")));

    private List<String> after(String... words) {
        return completer.candidates(List.of(words));
    }

    @Test
    void theFirstWordIsACommandOrAWordOfTheShellButNotTheShellItself() {
        List<String> c = after();
        assertTrue(c.containsAll(List.of("status", "switchover", "logs", "pgbouncer", "help", "exit", "quit", "reload")), c.toString());
        assertFalse(c.contains("shell"));
        assertFalse(c.contains("cds-training"), "hidden commands stay hidden");
    }

    @Test
    void theHostsOfTheInventoryCompleteWhereAHostGoes() {
        assertEquals(HOSTS, after("switchover", "--to"));
        assertEquals(HOSTS, after("failover", "--to"));
        assertEquals(HOSTS, after("rebuild", "-y", "--confirm-host"));
        assertTrue(after("logs").containsAll(HOSTS));
        assertTrue(after("rebuild").containsAll(HOSTS));
    }

    @Test
    void aHostIsNotOfferedAgainOnceThePositionalIsGiven() {
        List<String> c = after("logs", "db1");
        assertFalse(c.contains("db2"), c.toString());
        assertTrue(c.contains("--follow"), c.toString());
    }

    @Test
    void clustersAfterTheClusterOptionAndRunbooksWhereARunbookGoes() {
        assertEquals(List.of("lab", "prod"), after("status", "-c"));
        assertEquals(List.of("lab", "prod"), after("status", "--cluster"));
        assertTrue(after("run").containsAll(List.of("failover", "rebuild")));
        assertTrue(after("plan").containsAll(List.of("failover", "rebuild")));
    }

    @Test
    void optionsOfTheCommandAndTheGlobalOnesAndSubcommandsOfAGroup() {
        List<String> c = after("status");
        assertTrue(c.containsAll(List.of("--watch", "--output", "--inventory", "--cluster", "--help")), c.toString());
        assertFalse(c.contains("--to"));
        List<String> g = after("pgbouncer");
        assertTrue(g.containsAll(List.of("show", "point")), g.toString());
    }

    @Test
    void theValuesOfAnEnumOptionComeFromItsType() {
        assertEquals(List.of("table", "json", "nagios"), after("status", "-o"));
    }

    @Test
    void anOptionWithItsValueAttachedIsNotWaitingForOne() {
        assertTrue(after("switchover", "--to=db2").contains("--yes"));
    }
}
