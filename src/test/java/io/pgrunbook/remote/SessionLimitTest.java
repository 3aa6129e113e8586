package io.pgrunbook.remote;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class SessionLimitTest {

    @Test
    void a_refusal_brings_the_limit_down_to_the_sessions_open_then() throws Exception {
        SessionLimit l = new SessionLimit(8);
        for (int i = 0; i < 3; i++) {
            l.acquire();
            l.opened();
        }
        l.acquire();
        // three open, a fourth refused
        assertEquals(3, l.refused());
        assertEquals(3, l.limit());
    }

    @Test
    void a_refusal_with_nothing_open_keeps_the_limit() throws Exception {
        SessionLimit l = new SessionLimit(8);
        l.acquire();
        assertEquals(0, l.refused());
        assertEquals(8, l.limit());
    }

    @Test
    void past_the_learnt_limit_a_caller_waits_for_a_session_to_end() throws Exception {
        SessionLimit l = new SessionLimit(8);
        l.acquire();
        l.opened();
        l.acquire();
        l.refused(); // the server allows one: limit 1
        assertEquals(1, l.limit());
        AtomicBoolean got = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(1);
        Thread waiter = new Thread(() -> {
            try {
                l.acquire();
                got.set(true);
                done.countDown();
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        });
        waiter.start();
        assertFalse(done.await(100, TimeUnit.MILLISECONDS), "acquired past the limit");
        l.release(true);
        assertTrue(done.await(5, TimeUnit.SECONDS), "not woken when a session ended");
        assertTrue(got.get());
    }

    @Test
    void the_limit_never_rises_and_backoff_is_bounded() throws Exception {
        SessionLimit l = new SessionLimit(3);
        l.acquire();
        l.opened();
        l.acquire();
        l.opened();
        l.acquire();
        assertEquals(2, l.refused());
        assertEquals(2, l.limit());
        l.release(true);
        l.release(true);
        l.acquire();
        l.opened(); // one open, then a refusal: the server's limit looks like 1 now
        l.acquire();
        assertEquals(1, l.refused());
        assertEquals(1, l.limit());
        l.release(true);
        assertEquals(1, l.limit(), "a session ending does not raise the limit");
        assertEquals(5, SessionLimit.backoffMillis(0));
        assertEquals(10, SessionLimit.backoffMillis(1));
        assertEquals(200, SessionLimit.backoffMillis(30));
        assertThrows(IllegalArgumentException.class, () -> new SessionLimit(0));
    }
}
