package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;

/** What the procedures' ITs ask of a lab: `status -o json`, rows on a host, a row arriving somewhere. */
final class LabState {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LabState() {
    }

    static JsonNode status(LabFixture lab) throws Exception {
        return JSON.readTree(CliRunner.run("-i", lab.inventory().toString(), "status", "-o", "json").out());
    }

    static JsonNode host(JsonNode status, String name) {
        for (JsonNode h : status.get("hosts")) {
            if (h.get("name").asText().equals(name)) {
                return h;
            }
        }
        throw new AssertionError("no host " + name + " in " + status);
    }

    static Set<String> notes(LabFixture lab, String host, String prefix) throws Exception {
        Set<String> out = new HashSet<>();
        try (Connection c = lab.connect(host, "app"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT note FROM items WHERE note LIKE '" + prefix.replace("'", "''") + "%'")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    static void awaitRow(LabFixture lab, String host, String note) throws Exception {
        long deadline = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < deadline) {
            if (notes(lab, host, note).contains(note)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(note + " did not arrive on " + host);
    }
}
