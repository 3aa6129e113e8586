package io.pgrunbook.cli;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The class list that the launcher's class-data archive is trained with names only classes that exist. */
class CdsClassesTest {
    @Test
    void every_pgrunbook_class_in_the_cds_list_exists() throws Exception {
        List<String> missing = new ArrayList<>();
        int ours = 0;
        try (InputStream in = CdsTrainingCommand.class.getResourceAsStream("cds-classes.txt")) {
            assertNotNull(in, "cds-classes.txt is packed beside CdsTrainingCommand");
            for (String name : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!name.startsWith("io.pgrunbook.")) {
                    continue;
                }
                ours++;
                try {
                    Class.forName(name, false, getClass().getClassLoader());
                } catch (ClassNotFoundException e) {
                    missing.add(name);
                }
            }
        }
        assertTrue(ours > 50, "the list names our probe and procedure classes: " + ours);
        assertTrue(missing.isEmpty(), "renamed or removed since bench/cds-classes.sh last ran: " + missing
                + " (run bench/cds-classes.sh INVENTORY)");
    }
}
