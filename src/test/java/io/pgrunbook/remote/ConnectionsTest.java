package io.pgrunbook.remote;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Role;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A host that made a command wait in vain is not waited for again at every step of that command. */
class ConnectionsTest {
    private final AtomicLong clock = new AtomicLong();
    private final AtomicInteger attempts = new AtomicInteger();
    private final Host db1 = new Host("db1", "10.0.0.1", Role.MASTER, Host.TransportKind.SSH, null, null, null, null, null, null);

    private Connections failing(long waitSeconds) {
        return new Connections(h -> {
            attempts.incrementAndGet();
            clock.addAndGet(waitSeconds * 1_000_000_000L);
            throw new TransportException(h.name(), "SSH connect to 10.0.0.1:22 timed out after " + waitSeconds + " s");
        }, clock::get);
    }

    @Test
    void a_connect_that_timed_out_fails_at_once_on_the_next_step_with_its_cause() {
        Connections c = failing(10);
        assertThrows(TransportException.class, () -> c.to(db1));
        clock.addAndGet(2_000_000_000L);
        TransportException again = assertThrows(TransportException.class, () -> c.to(db1));
        assertEquals(1, attempts.get(), "not tried again");
        assertTrue(again.getMessage().startsWith("db1: SSH connect to 10.0.0.1:22 timed out after 10 s (2 s ago, after 10 s of waiting;"),
                again.getMessage());
    }

    @Test
    void after_thirty_seconds_the_host_is_tried_again() {
        Connections c = failing(10);
        assertThrows(TransportException.class, () -> c.to(db1));
        clock.addAndGet(Connections.REMEMBER.toNanos() + 1);
        assertThrows(TransportException.class, () -> c.to(db1));
        assertEquals(2, attempts.get());
    }

    @Test
    void a_refusal_costs_nothing_and_is_not_remembered() {
        Connections c = failing(0);
        assertThrows(TransportException.class, () -> c.to(db1));
        assertThrows(TransportException.class, () -> c.to(db1));
        assertEquals(2, attempts.get());
    }

    @Test
    void another_command_tries_again() {
        assertThrows(TransportException.class, () -> failing(10).to(db1));
        assertThrows(TransportException.class, () -> failing(10).to(db1));
        assertEquals(2, attempts.get());
    }
}
