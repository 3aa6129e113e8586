package io.pgrunbook.inventory;

import java.nio.file.Path;
import java.util.Map;

/** A loaded, validated inventory: clusters by name, in file order. */
public record Inventory(Path file, String sha256, Map<String, Cluster> clusters) {

    /**
     * The cluster to act on: the named one, or the only one.
     *
     * @throws InventoryException naming the choices when the name is unknown or missing with several clusters
     */
    public Cluster cluster(String name) {
        if (name == null) {
            if (clusters.size() == 1) {
                return clusters.values().iterator().next();
            }
            throw new InventoryException(file + ": " + clusters.size() + " clusters (" + String.join(", ", clusters.keySet())
                    + "): choose one with -c/--cluster");
        }
        Cluster c = clusters.get(name);
        if (c == null) {
            throw new InventoryException(file + ": no cluster '" + name + "'; clusters: " + String.join(", ", clusters.keySet()));
        }
        return c;
    }
}
