package io.pgrunbook.cli;

import java.util.ArrayList;
import java.util.List;

/** A plain text table: columns as wide as their widest cell, no borders, for terminals and for grep. */
public final class Table {
    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    public Table(String... headers) {
        this.headers = List.of(headers);
    }

    public Table row(Object... cells) {
        List<String> r = new ArrayList<>();
        for (Object c : cells) {
            r.add(c == null ? "-" : String.valueOf(c));
        }
        rows.add(r);
        return this;
    }

    public String render() {
        int[] w = new int[headers.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = headers.get(i).length();
            for (List<String> r : rows) {
                w[i] = Math.max(w[i], r.get(i).length());
            }
        }
        StringBuilder b = new StringBuilder();
        line(b, headers, w);
        rows.forEach(r -> line(b, r, w));
        return b.toString();
    }

    private static void line(StringBuilder b, List<String> cells, int[] w) {
        StringBuilder l = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            l.append(cells.get(i));
            if (i < cells.size() - 1) {
                l.append(" ".repeat(w[i] - cells.get(i).length() + 2));
            }
        }
        b.append(l.toString().stripTrailing()).append('\n');
    }
}
