package io.pgrunbook.action;

import java.util.List;

/** What a step will do on one host, as lines a person can read: commands (with the become user) or SQL. */
public record Rendered(List<String> lines) {
    public Rendered {
        lines = List.copyOf(lines);
    }

    public static Rendered of(String... lines) {
        return new Rendered(List.of(lines));
    }

    public String text() {
        return String.join("\n", lines);
    }
}
