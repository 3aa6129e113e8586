package io.pgrunbook.lab;

import java.util.EnumSet;
import java.util.Set;

/**
 * How {@code lab up} builds a lab: an sshd, the layout, a tablespace, other server binaries (null: the system's), and
 * the extras of {@code --with}. One value instead of a constructor per combination.
 */
public record LabOptions(boolean ssh, LabShape shape, boolean tablespace, ServerBinaries binaries, Set<LabExtra> with) {
    public LabOptions {
        shape = shape == null ? LabShape.PLAIN : shape;
        with = with == null || with.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(with));
    }

    /** The plain lab without sshd, tablespace or extras. */
    public static LabOptions plain() {
        return new LabOptions(false, LabShape.PLAIN, false, null, Set.of());
    }

    public LabOptions ssh(boolean on) {
        return new LabOptions(on, shape, tablespace, binaries, with);
    }

    public LabOptions shape(LabShape s) {
        return new LabOptions(ssh, s, tablespace, binaries, with);
    }

    public LabOptions tablespace(boolean on) {
        return new LabOptions(ssh, shape, on, binaries, with);
    }

    public LabOptions binaries(ServerBinaries b) {
        return new LabOptions(ssh, shape, tablespace, b, with);
    }

    public LabOptions with(LabExtra... extras) {
        EnumSet<LabExtra> all = with.isEmpty() ? EnumSet.noneOf(LabExtra.class) : EnumSet.copyOf(with);
        all.addAll(java.util.List.of(extras));
        return new LabOptions(ssh, shape, tablespace, binaries, all);
    }

    public boolean has(LabExtra e) {
        return with.contains(e);
    }

    /** The Debian shape always has its sshd. */
    public boolean sshd() {
        return ssh || shape == LabShape.DEBIAN;
    }
}
