package io.pgrunbook.runbook;

/** How a value is written into the text it is substituted into. */
public enum Quoting {
    /** Plain text: names, notes, conditions. */
    NONE,
    /** One shell word ({@link io.pgrunbook.remote.Shell#quote}): it can never start a second command. */
    SHELL,
    /** A SQL string literal. */
    SQL;

    public String apply(String v) {
        return switch (this) {
            case NONE -> v;
            case SHELL -> io.pgrunbook.remote.Shell.quote(v);
            case SQL -> sqlLiteral(v);
        };
    }

    /** A SQL literal that means the same whatever standard_conforming_strings says. */
    public static String sqlLiteral(String v) {
        return io.pgrunbook.pg.Quote.literal(v);
    }
}
