package io.pgrunbook.inventory;

import java.nio.file.Path;

/** A place in a YAML file, for error messages: file:line:column. */
public record SourceLocation(Path file, int line, int column) {
    @Override
    public String toString() {
        return (file == null ? "<input>" : file.toString()) + ":" + line + ":" + column;
    }
}
