package io.pgrunbook.inventory;

/** Designed role of a host in the inventory; it does not change on failover. */
public enum Role {
    MASTER, SLAVE, BCP, REPLICA;

    /** Physical members may be primary; a REPLICA (logical) never is. */
    public boolean isPhysical() {
        return this != REPLICA;
    }
}
