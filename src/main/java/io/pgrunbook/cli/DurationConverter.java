package io.pgrunbook.cli;

import io.pgrunbook.inventory.Units;
import picocli.CommandLine;

import java.time.Duration;

/** A duration option ({@code 30s}, {@code 2m}): more than zero and bounded, refused while parsing (exit 64). */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        Duration d;
        try {
            d = Units.duration(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
        if (d.isZero()) {
            // a zero wait would fail every check at once and read as a broken cluster
            throw new CommandLine.TypeConversionException("'" + value + "' is no time at all; give more than 0 (e.g. 30s)");
        }
        return d;
    }
}
