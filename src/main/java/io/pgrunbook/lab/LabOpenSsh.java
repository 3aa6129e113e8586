package io.pgrunbook.lab;

import java.nio.file.Path;

/** inventory-openssh.yaml: the SSH lab's inventory with the system ssh as transport (same hosts, keys, known_hosts). */
public final class LabOpenSsh {
    public static final String FILE = "inventory-openssh.yaml";

    private LabOpenSsh() {
    }

    public static Path inventoryPath(LabLayout layout) {
        return layout.sshInventory().resolveSibling(FILE);
    }

    static String inventory(String sshInventory) {
        String text = sshInventory.replace("\n  transport: ssh\n", "\n  transport: openssh\n");
        if (text.equals(sshInventory)) {
            throw new IllegalStateException("the lab's ssh inventory has no 'transport: ssh' under defaults");
        }
        return text;
    }
}
