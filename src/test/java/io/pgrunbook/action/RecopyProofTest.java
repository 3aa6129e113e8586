package io.pgrunbook.action;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecopyProofTest {
    static RecopyProof.Column col(String name, String type, String category, boolean notNull, boolean hasDefault) {
        return new RecopyProof.Column(name, type, notNull, category, hasDefault);
    }

    @Test
    void a_replica_table_with_every_published_column_of_the_same_kind_is_compatible() {
        RecopyProof.Table p = new RecopyProof.Table("public", "t", List.of(col("id", "integer", "N", true, false), col("v", "text", "S", false, false)), "PRIMARY KEY (id)", false);
        RecopyProof.Table r = new RecopyProof.Table("public", "t", List.of(col("id", "bigint", "N", true, false), col("v", "character varying(20)", "S", false, false),
                col("local", "text", "S", true, true)), null, false);
        assertNull(RecopyProof.incompatible(p, r));
    }

    @Test
    void missing_columns_another_kind_and_unfillable_not_null_columns_are_named() {
        RecopyProof.Table p = new RecopyProof.Table("public", "t", List.of(col("id", "integer", "N", true, false), col("v", "text", "S", false, false),
                col("w", "integer", "N", false, false)), null, false);
        RecopyProof.Table r = new RecopyProof.Table("public", "t", List.of(col("id", "integer", "N", true, false), col("w", "timestamp", "D", false, false),
                col("must", "text", "S", true, false)), null, false);
        String why = RecopyProof.incompatible(p, r);
        assertTrue(why.contains("lacks the published columns v text"), why);
        assertTrue(why.contains("w (integer on the primary, timestamp here)"), why);
        assertTrue(why.contains("without a default that the copy does not fill: must"), why);
    }

    @Test
    void a_missing_table_is_created_with_its_columns_not_null_and_primary_key_but_no_defaults() {
        RecopyProof.Table p = new RecopyProof.Table("Sales", "late", List.of(col("id", "bigint", "N", true, true), col("note", "text", "S", true, false)),
                "PRIMARY KEY (id)", true);
        assertEquals(List.of("CREATE SCHEMA IF NOT EXISTS \"Sales\"",
                "CREATE TABLE \"Sales\".\"late\" (\"id\" bigint NOT NULL, \"note\" text NOT NULL, PRIMARY KEY (id))",
                "ALTER TABLE \"Sales\".\"late\" REPLICA IDENTITY FULL"), p.ddl());
        assertEquals("\"Sales\".late", p.display());
    }
}
