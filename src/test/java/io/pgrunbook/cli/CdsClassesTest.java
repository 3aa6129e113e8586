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

    @Test
    void picocli_is_packed_as_class_file_version_52_which_class_data_sharing_keeps() throws Exception {
        // picocli's own jar is version 49 (Java 5): CDS and JDK 25's AOT cache skip such classes once they have run
        try (InputStream in = picocli.CommandLine.class.getResourceAsStream("CommandLine$Interpreter.class")) {
            assertNotNull(in);
            byte[] head = in.readNBytes(8);
            int major = ((head[6] & 0xff) << 8) | (head[7] & 0xff);
            assertTrue(major >= 50, "picocli as built into target/classes by src/build/UpgradeClassFiles.java: " + major);
        }
    }
}
