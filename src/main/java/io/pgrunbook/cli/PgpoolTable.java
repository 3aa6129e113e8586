package io.pgrunbook.cli;

import io.pgrunbook.cluster.PgpoolState;

/** The table {@code status} prints under the hosts for one pgpool: its view of each backend beside the live state. */
public final class PgpoolTable {
    private PgpoolTable() {
    }

    public static String render(PgpoolState p) {
        StringBuilder b = new StringBuilder();
        b.append(p.pgpool()).append(p.error() != null ? ": cannot ask it: " + p.error() + "\n" : "\n");
        if (p.error() != null) {
            return b.toString();
        }
        Table t = new Table("NODE", "HOST", "BACKEND", "PGPOOL STATUS", "PGPOOL ROLE", "LB WEIGHT", "LIVE");
        for (PgpoolState.Backend be : p.backends()) {
            t.row(be.id(), be.host(), be.address() + ":" + be.port(), be.status(), be.role(), be.weight(), be.live());
        }
        return b.append(t.render()).toString();
    }
}
