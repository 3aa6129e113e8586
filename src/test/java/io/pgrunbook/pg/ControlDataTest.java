package io.pgrunbook.pg;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ControlDataTest {
    private static final String OUTPUT = """
            pg_control version number:            1700
            Catalog version number:               202406281
            Database system identifier:           7713850189332685469
            Database cluster state:               shut down
            Latest checkpoint location:           0/14DAA28
            Latest checkpoint's TimeLineID:       1
            """;

    @Test
    void output_of_a_matching_pg_controldata_is_trusted() {
        ControlData cd = ControlData.parse(OUTPUT);
        assertTrue(cd.crcOk());
        assertTrue(cd.cleanShutdown());
        assertEquals("0/14DAA28", cd.checkpointLocation());
        assertEquals(1, cd.checkpointTimeline());
    }

    @Test
    void a_checksum_warning_marks_every_value_untrusted() {
        // what pg_controldata prints (exit 0) when pg_control's layout is not its own
        ControlData cd = ControlData.parse("WARNING: Calculated CRC checksum does not match value stored in file.\n"
                + "Either the file is corrupt, or it has a different layout than this program\n"
                + "is expecting.  The results below are untrustworthy.\n\n" + OUTPUT);
        assertFalse(cd.crcOk());
    }
}
