package io.pgrunbook.lab;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;

import java.nio.file.Path;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The extras of {@code lab up --with} (Barman, Londiste, a virtual IP, read-only routes, pgpool) at the points where
 * {@link Lab} builds, verifies, writes the inventory of and stops a lab: each extra's own class does the work.
 */
final class LabExtras {
    /** The extras of {@code --with} this version builds. */
    private static final Set<LabExtra> BUILT = java.util.EnumSet.of(LabExtra.BARMAN, LabExtra.LONDISTE, LabExtra.VIP, LabExtra.READONLY, LabExtra.PGPOOL);

    private final LabLayout layout;
    private final LabOptions options;
    private final String osUser;
    private final Consumer<String> progress;

    LabExtras(LabLayout layout, LabOptions options, String osUser, Consumer<String> progress) {
        this.layout = layout;
        this.options = options;
        this.osUser = osUser;
        this.progress = progress;
    }

    /** Refuses, before anything is built, the extras this shape or this version cannot build, or whose ports are taken. */
    void checkCanBuild(boolean debian) {
        if (debian && options.has(LabExtra.BARMAN)) {
            throw new PgrunbookException(Outcome.USAGE, "lab up --with barman: not with --layout debian (its servers want passwords)",
                    "run lab up --with barman without --layout debian");
        }
        if (options.has(LabExtra.LONDISTE) && debian) {
            throw new PgrunbookException(Outcome.USAGE, "lab up --with londiste: not with --layout debian in this version");
        }
        if (options.with().stream().anyMatch(e -> !BUILT.contains(e))) {
            throw new PgrunbookException(Outcome.USAGE, "lab up --with " + options.with().stream().filter(e -> !BUILT.contains(e))
                    .map(LabExtra::label).sorted().collect(java.util.stream.Collectors.joining(",")) + ": not available in this version");
        }
        if (options.has(LabExtra.VIP)) {
            VipLab.checkCanBuild(layout);
        }
        if (options.has(LabExtra.PGPOOL)) {
            new PgpoolLab(layout, osUser, progress).checkPortsFree();
        }
    }

    /** Once the servers and PgBouncers are up, before the lab is verified: the Londiste leaf replaces the subscription. */
    void buildBeforeVerify() {
        if (options.has(LabExtra.LONDISTE)) {
            new LondisteLab(layout, osUser, progress).build();
        }
    }

    /** Once the lab is verified, before its inventory is written. */
    void startAfterVerify() {
        if (options.has(LabExtra.PGPOOL)) {
            new PgpoolLab(layout, osUser, progress).start();
        }
    }

    /** The lab inventory with what the extras change in it (Londiste's leaf instead of the subscription, read-only routes). */
    String transform(String inventory) {
        String inv = options.has(LabExtra.LONDISTE) ? LondisteLab.inventory(layout, inventory) : inventory;
        return options.has(LabExtra.READONLY) ? ReadOnlyLab.inventory(layout, inv) : inv;
    }

    /** What the extras add at the end of the lab inventory. */
    String inventoryTail() {
        return options.has(LabExtra.PGPOOL) ? PgpoolLab.inventory(layout) : "";
    }

    /** Once the inventories are written (and the sshd started when {@code ssh}): the extras that add to them. */
    void upAfterInventory(boolean ssh, Path binDir) {
        if (options.has(LabExtra.VIP)) {
            VipLab.up(layout, progress);
        }
        if (options.has(LabExtra.BARMAN)) {
            BarmanLab barman = new BarmanLab(layout, osUser, progress);
            barman.up(binDir);
            barman.addToInventory(layout.inventory());
            if (ssh) {
                barman.addToInventory(layout.sshInventory());
            }
        }
    }

    /** Stops what the extras run, first when the lab goes down (pgpool, Barman and Londiste whatever the marker says). */
    void stop() {
        PgpoolLab.stop(layout, progress);
        new BarmanLab(layout, osUser, progress).down();
        LondisteLab.stop(layout, progress);
        if (options.has(LabExtra.VIP)) {
            VipLab.down(layout, progress);
        }
    }
}
