package io.pgrunbook.lab;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The lab marker file: what lab up built (base address, shape, extras), so that lab down and status find it. */
final class LabMarker {
    private LabMarker() {
    }

    /** The marker as lab up writes it first: the directory is a lab from then on, even half-built. */
    static String text(LabLayout layout, LabOptions options) {
        return "# a pgrunbook lab: 'pgrunbook lab down --dir " + layout.dir() + "' removes this directory\n"
                + "base_address=" + layout.baseAddress() + "\n" + "layout=" + layout.shape().label() + "\n"
                + "with=" + options.with().stream().map(LabExtra::label).sorted()
                .collect(java.util.stream.Collectors.joining(",")) + "\n";
    }

    /** The extras ({@code --with}) recorded by lab up in the marker file; none when unreadable or older. */
    static java.util.Set<LabExtra> readExtras(Path dir) {
        try {
            for (String line : Files.readAllLines(dir.resolve(LabLayout.MARKER))) {
                if (line.startsWith("with=")) {
                    java.util.Set<LabExtra> all = java.util.EnumSet.noneOf(LabExtra.class);
                    for (String w : line.substring(5).split(",")) {
                        LabExtra.of(w).ifPresent(all::add);
                    }
                    return all;
                }
            }
        } catch (IOException e) {
            // no marker, no extras
        }
        return java.util.Set.of();
    }

    /** The layout recorded by lab up in the marker file (base address), if readable. */
    static Optional<LabLayout> read(Path dir) {
        try {
            String base = null;
            LabShape shape = LabShape.PLAIN;
            for (String line : Files.readAllLines(dir.resolve(LabLayout.MARKER), StandardCharsets.UTF_8)) {
                if (line.startsWith("base_address=")) {
                    base = line.substring("base_address=".length()).strip();
                } else if (line.equals("layout=" + LabShape.DEBIAN.label())) {
                    shape = LabShape.DEBIAN;
                }
            }
            if (base != null) {
                return Optional.of(new LabLayout(dir, base, shape));
            }
        } catch (IOException | PgrunbookException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    static boolean says(Path dir, String line) {
        try {
            return Files.readAllLines(dir.resolve(LabLayout.MARKER), StandardCharsets.UTF_8).contains(line);
        } catch (IOException e) {
            return false;
        }
    }

    static void append(LabLayout layout, String line) {
        try {
            Files.writeString(layout.marker(), line + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new PgrunbookException(Outcome.FAILED, "cannot write " + layout.marker() + ": " + e.getMessage());
        }
    }
}
