package io.pgrunbook.pgpool;

import io.pgrunbook.inventory.Pgpool;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PcpTest {
    @Test
    void parses_pcp_node_info_of_4_3_and_of_4_2() {
        List<PgpoolNode> n43 = Pcp.parse("""
                10.0.0.1 5432 2 0.333333 up up primary primary 0 none none 2026-11-30 08:50:08
                10.0.0.2 5432 3 0.333333 down up standby standby 0 streaming async 2026-11-30 08:50:08
                """);
        assertEquals(new PgpoolNode(0, "10.0.0.1", 5432, "up", "0.333333", "primary"), n43.get(0));
        assertEquals(new PgpoolNode(1, "10.0.0.2", 5432, "down", "0.333333", "standby"), n43.get(1));
        List<PgpoolNode> n42 = Pcp.parse("10.0.0.3 5433 1 0.500000 waiting standby 0 streaming async 2021-02-27 14:51:30\n");
        assertEquals(new PgpoolNode(0, "10.0.0.3", 5433, "waiting", "0.500000", "standby"), n42.get(0));
    }

    @Test
    void builds_pcp_commands_with_no_password_and_the_password_files_path_only() {
        Pgpool p = new Pgpool("db1", "10.0.0.1", 9999, 9898, "pcpadmin", Map.of(), null, "/etc/pgrunbook/pcppass");
        assertEquals(List.of("env", "PCPPASSFILE=/etc/pgrunbook/pcppass", "pcp_attach_node", "-h", "10.0.0.1", "-p", "9898",
                "-U", "pcpadmin", "-w", "-n", "2"), new Pcp(p, null).attach(2).argv());
        Pgpool q = new Pgpool(null, "10.0.0.9", 9999, 9898, null, Map.of(), null, null);
        assertEquals(List.of("pcp_node_info", "-h", "10.0.0.9", "-p", "9898", "-w", "-a"), new Pcp(q, null).nodeInfo().argv());
    }
}
