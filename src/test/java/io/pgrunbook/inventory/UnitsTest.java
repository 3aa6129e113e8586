package io.pgrunbook.inventory;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class UnitsTest {
    @Test
    void durations_as_people_write_them() {
        assertEquals(Duration.ofSeconds(10), Units.duration("10s"));
        assertEquals(Duration.ofMillis(500), Units.duration("500ms"));
        assertEquals(Duration.ofMinutes(2), Units.duration("2m"));
        assertEquals(Duration.ofHours(1), Units.duration("1h"));
        assertEquals(Duration.ofSeconds(30), Units.duration("30"));
        assertThrows(IllegalArgumentException.class, () -> Units.duration("ten seconds"));
    }

    @Test
    void sizes_in_powers_of_1024_like_postgresql() {
        assertEquals(16L * 1024 * 1024, Units.size("16MB"));
        assertEquals(512L * 1024, Units.size("512kB"));
        assertEquals(1L << 30, Units.size("1GB"));
        assertEquals(100, Units.size("100"));
        assertThrows(IllegalArgumentException.class, () -> Units.size("big"));
    }

    @Test
    void byte_counts_for_people() {
        assertEquals("0 B", Units.bytes(0));
        assertEquals("16.0 MB", Units.bytes(16L << 20));
    }
}
