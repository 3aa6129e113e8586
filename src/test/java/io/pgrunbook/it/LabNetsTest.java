package io.pgrunbook.it;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Labs of two classes never share a third octet: the registry's entries, and any address still written out in a class. */
class LabNetsTest {
    private static final List<Path> LAB_SOURCES = List.of(Path.of("src/test/java/io/pgrunbook/it"),
            Path.of("src/test/java/io/pgrunbook/bench"));
    private static final Pattern LITERAL = Pattern.compile("127\\.0\\.(\\d{1,3})\\.\\d{1,3}");

    /** Third octet -> the classes that own it (registry) or write an address on it (literals). */
    static Map<Integer, Set<String>> owners() throws IOException {
        Map<Integer, Set<String>> owners = new TreeMap<>();
        for (LabNets n : LabNets.values()) {
            for (int i = 0; i < n.span(); i++) {
                owners.computeIfAbsent(n.octet() + i, k -> new TreeSet<>()).add(n.owner());
            }
        }
        for (Path dir : LAB_SOURCES) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    String cls = f.getFileName().toString().replace(".java", "");
                    if (cls.equals("LabNets") || cls.equals("LabNetsTest")) {
                        continue;
                    }
                    Matcher m = LITERAL.matcher(Files.readString(f));
                    while (m.find()) {
                        int octet = Integer.parseInt(m.group(1));
                        if (octet != 0) {
                            owners.computeIfAbsent(octet, k -> new TreeSet<>()).add(cls);
                        }
                    }
                }
            }
        }
        return owners;
    }

    @Test
    void no_third_octet_is_used_by_two_classes() throws IOException {
        List<String> shared = new ArrayList<>();
        owners().forEach((octet, classes) -> {
            if (classes.size() > 1) {
                shared.add("127.0." + octet + ".x: " + classes);
            }
        });
        assertEquals(List.of(), shared, "give each class its own entry in LabNets");
    }

    @Test
    void entries_lie_on_distinct_octets_within_loopback_and_name_existing_classes() {
        Set<Integer> seen = new TreeSet<>();
        for (LabNets n : LabNets.values()) {
            for (int i = 0; i < n.span(); i++) {
                assertTrue(seen.add(n.octet() + i), n + " shares 127.0." + (n.octet() + i) + ".x with another entry");
            }
            assertTrue(n.octet() > 0 && n.octet() + n.span() - 1 <= 254, n.toString());
            assertTrue(LAB_SOURCES.stream().anyMatch(d -> Files.exists(d.resolve(n.owner() + ".java"))),
                    n + ": no class " + n.owner());
        }
    }

    @Test
    void the_octet_check_sees_a_class_writing_another_classes_address() throws IOException {
        Map<Integer, Set<String>> owners = owners();
        assertEquals(Set.of("FailoverIT"), owners.get(LabNets.FAILOVER.octet()),
                "FailoverIT writes its own address into a primary_conninfo: counted, and only for itself");
        assertEquals("127.0.200.11", LabNets.VERSION_MATRIX.base(0));
        assertEquals("127.0.201.11", LabNets.VERSION_MATRIX.base(1));
    }
}
