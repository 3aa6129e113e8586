package io.pgrunbook.shell;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.InventoryLoader;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Transport;
import io.pgrunbook.remote.TransportException;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SharedTransportsTest {
    private static final Host DB1 = new InventoryLoader(Map.of()).parse(Path.of("/tmp/inventory.yaml"), """
            version: 1
            defaults:
              transport: local
              postgres: {data_dir: /var/lib/pg/main, bin_dir: /usr/lib/postgresql/15/bin}
            clusters:
              lab:
                hosts:
                  db1: {address: 127.0.0.1, role: MASTER}
                  db2: {address: 127.0.0.2, role: SLAVE}
            """).cluster("lab").host("db1").orElseThrow();

    /** A connection that answers until it is cut (as an SSH connection whose peer went away between two commands). */
    static final class Conn implements Transport {
        final int serial;
        boolean cut;
        boolean knownDead;
        boolean closed;
        int calls;

        Conn(int serial) {
            this.serial = serial;
        }

        @Override
        public String host() {
            return "db1";
        }

        @Override
        public ExecResult exec(RemoteCommand command, ExecOptions options) {
            calls++;
            if (cut || closed) {
                throw new TransportException("db1", "cannot run command: connection reset");
            }
            return new ExecResult(0, "conn " + serial, "", Duration.ZERO);
        }

        @Override
        public InetSocketAddress forward(String targetHost, int targetPort) {
            if (cut || closed) {
                throw new TransportException("db1", "cannot open a local port forward");
            }
            return new InetSocketAddress("127.0.0.1", 40000 + serial);
        }

        @Override
        public boolean alive() {
            return !closed && !knownDead;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private final List<Conn> opened = new ArrayList<>();
    private boolean hostDown;
    private final SharedTransports pool = new SharedTransports(h -> {
        if (hostDown) {
            throw new TransportException(h.name(), "connect failed: connection refused");
        }
        Conn c = new Conn(opened.size() + 1);
        opened.add(c);
        return c;
    });

    private static String run(Transport t) {
        return t.exec(RemoteCommand.of("true")).stdout();
    }

    @Test
    void aSecondCommandReusesTheConnectionOfTheFirstAndItsEndDoesNotCloseIt() {
        Transport first = pool.lease(DB1);
        assertEquals("conn 1", run(first));
        first.close();
        assertEquals("conn 1", run(pool.lease(DB1)));
        assertEquals(1, opened.size());
        assertFalse(opened.get(0).closed);
    }

    @Test
    void aKeptConnectionThatFailsOnItsFirstUseIsDroppedAndTheCallMadeOnceMoreOnANewOne() {
        run(pool.lease(DB1));
        opened.get(0).cut = true;
        assertEquals("conn 2", run(pool.lease(DB1)));
        assertTrue(opened.get(0).closed, "the stale connection is closed");
        assertEquals("conn 2", run(pool.lease(DB1)), "and the new one is kept");
    }

    @Test
    void aForwardOnAStaleConnectionIsOpenedAgainOnANewOne() {
        pool.lease(DB1).forward("127.0.0.1", 5432);
        opened.get(0).cut = true;
        assertEquals(40002, pool.lease(DB1).forward("127.0.0.1", 5432).getPort());
    }

    @Test
    void aHostThatIsReallyDownStillFailsTheCommand() {
        run(pool.lease(DB1));
        opened.get(0).cut = true;
        hostDown = true;
        TransportException e = assertThrows(TransportException.class, () -> run(pool.lease(DB1)));
        assertTrue(e.getMessage().contains("connection refused"), e.getMessage());
        assertEquals(0, pool.open(), "nothing dead is kept");
    }

    @Test
    void aFailureLaterInACommandIsNotRetriedBecauseTheCommandMayHaveRun() {
        run(pool.lease(DB1));
        Transport lease = pool.lease(DB1);
        run(lease);
        opened.get(0).cut = true;
        assertThrows(TransportException.class, () -> run(lease));
        assertEquals(1, opened.size());
        assertEquals(3, opened.get(0).calls);
    }

    @Test
    void aNewConnectionThatFailsIsNotRetried() {
        // the first connection of the shell: its failure is the host's answer, not staleness
        Transport lease = pool.lease(DB1);
        run(lease);
        pool.closeAll();
        Transport next = pool.lease(DB1);
        next.forward("127.0.0.1", 5432);
        opened.get(1).cut = true;
        assertThrows(TransportException.class, () -> run(next));
        assertEquals(2, opened.size());
        Conn fresh = opened.get(1);
        assertEquals(1, fresh.calls);
    }

    @Test
    void aFirstCallOnAJustOpenedConnectionIsNotRetried() {
        SharedTransports cutFromTheStart = new SharedTransports(h -> {
            Conn c = new Conn(opened.size() + 1);
            c.cut = true;
            opened.add(c);
            return c;
        });
        assertThrows(TransportException.class, () -> run(cutFromTheStart.lease(DB1)));
        assertEquals(1, opened.size());
        assertEquals(1, opened.get(0).calls);
    }

    @Test
    void aConnectionKnownToBeLostIsReplacedBeforeItIsUsed() {
        run(pool.lease(DB1));
        opened.get(0).knownDead = true;
        assertEquals("conn 2", run(pool.lease(DB1)));
        assertEquals(0, opened.get(0).calls - 1, "the lost connection got no second command");
    }

    @Test
    void closingThePoolClosesEveryKeptConnection() {
        run(pool.lease(DB1));
        pool.close();
        assertTrue(opened.get(0).closed);
        assertThrows(TransportException.class, () -> pool.lease(DB1));
    }
}
