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

    /** How a cell is shown (colour): given the row (0 = first data row), the column and the text; padding counts the text only. */
    public interface Painter {
        String paint(int row, int column, String text);
    }

    public String render() {
        return render((row, column, text) -> text);
    }

    public String render(Painter painter) {
        int[] w = new int[headers.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = headers.get(i).length();
            for (List<String> r : rows) {
                w[i] = Math.max(w[i], r.get(i).length());
            }
        }
        StringBuilder b = new StringBuilder();
        line(b, headers, w, -1, (row, column, text) -> text);
        for (int r = 0; r < rows.size(); r++) {
            line(b, rows.get(r), w, r, painter);
        }
        return b.toString();
    }

    private static void line(StringBuilder b, List<String> cells, int[] w, int row, Painter painter) {
        StringBuilder l = new StringBuilder();
        int last = cells.size() - 1;
        while (last > 0 && cells.get(last).isBlank()) {
            last--;
        }
        for (int i = 0; i <= last; i++) {
            l.append(painter.paint(row, i, cells.get(i)));
            if (i < last) {
                l.append(" ".repeat(w[i] - cells.get(i).length() + 2));
            }
        }
        b.append(l.toString().stripTrailing()).append('\n');
    }
}
