package io.pgrunbook.lab;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LabPrerequisitesTest {
    private static final Map<String, String> UBUNTU_24 = Map.of("ID", "ubuntu", "VERSION_ID", "24.04");
    private static final Map<String, String> DEBIAN_12 = Map.of("ID", "debian", "VERSION_ID", "12");

    @Test
    void names_the_server_package_of_the_distribution() {
        List<LabPrerequisites.Missing> m = LabPrerequisites.check(UBUNTU_24, false, false, true, false, true);
        assertEquals("sudo apt-get install -y postgresql-16 pgbouncer", LabPrerequisites.aptLine(m, false));
        m = LabPrerequisites.check(DEBIAN_12, false, true, true, true, false);
        assertEquals("apt-get install -y postgresql-15", LabPrerequisites.aptLine(m, true));
        m = LabPrerequisites.check(Map.of(), false, true, true, true, true);
        assertEquals("apt-get install -y postgresql", LabPrerequisites.aptLine(m, true), "unknown system: the metapackage");
    }

    @Test
    void root_without_a_postgres_user_is_told_which_package_creates_it() {
        List<LabPrerequisites.Missing> m = LabPrerequisites.check(DEBIAN_12, true, true, true, true, false);
        assertEquals(1, m.size());
        assertTrue(m.get(0).what().contains("postgres OS user"), m.toString());
        assertEquals("postgresql-15", m.get(0).aptPackage());
        assertTrue(LabPrerequisites.check(DEBIAN_12, true, true, true, false, false).isEmpty(), "not root: runs as itself");
    }

    @Test
    void a_missing_rsync_is_advice_not_a_blocker() {
        List<LabPrerequisites.Missing> m = LabPrerequisites.check(DEBIAN_12, true, true, false, true, true);
        assertEquals(1, m.size());
        assertNull(LabPrerequisites.aptLine(m, true));
    }
}
