package io.pgrunbook.pg;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class LsnTest {
    @Test
    void parses_and_formats_both_halves() {
        assertEquals(0x16B374D848L, Lsn.parse("16/B374D848"));
        assertEquals("16/B374D848", Lsn.format(Lsn.parse("16/B374D848")));
    }

    @Test
    void diff_is_bytes_and_never_negative() {
        assertEquals(0x1000L, Lsn.diff("0/3001000", "0/3000000"));
        assertEquals(0L, Lsn.diff("0/3000000", "0/3001000"));
        assertEquals(1L << 32, Lsn.diff("1/0", "0/0"));
        assertNull(Lsn.diff(null, "0/1"));
    }
}
