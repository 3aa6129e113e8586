package io.pgrunbook.barman;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@code barman show-backup SERVER ID} says of one backup, from its text output (Barman 3.4's JSON form has no
 * system identifier): id, status, system identifier, and the tablespaces it holds.
 */
public record BackupInfo(String id, String status, String systemId, List<String> tablespaces) {

    public static BackupInfo parse(String text) {
        String id = null;
        String status = null;
        String sysid = null;
        List<String> ts = new ArrayList<>();
        boolean inTs = false;
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (line.startsWith("Backup ") && l.endsWith(":")) {
                id = l.substring("Backup ".length(), l.length() - 1).strip();
                continue;
            }
            if (!line.startsWith("    ") && line.startsWith("  ")) {
                inTs = l.startsWith("Tablespaces");
            }
            int colon = l.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = l.substring(0, colon).strip();
            String value = l.substring(colon + 1).strip();
            if (inTs && line.startsWith("    ")) {
                ts.add(key);
            } else if (key.equals("Status")) {
                status = value;
            } else if (key.equals("System Id")) {
                sysid = value;
            }
        }
        return new BackupInfo(id, status, sysid, List.copyOf(ts));
    }

    public boolean done() {
        return "DONE".equals(status);
    }
}
