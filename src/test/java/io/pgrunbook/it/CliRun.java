package io.pgrunbook.it;

import io.pgrunbook.cli.Cli;
import io.pgrunbook.cli.CliContext;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs pgrunbook through the same factory as main, against a lab inventory, capturing both streams. */
record CliRun(int code, String out, String err) {
    static CliRun run(Path inventory, String... args) {
        List<String> all = new ArrayList<>(List.of("-i", inventory.toString(), "--no-color"));
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.run(CliContext.system(), new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
        return new CliRun(code, out.toString(), err.toString());
    }

    /** For assertion messages: both streams. */
    String both() {
        return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }

    /** Lines of stdout whose first whitespace-separated words are {@code cells}, in that order. */
    List<String> rows(String... cells) {
        List<String> r = new ArrayList<>();
        for (String line : out.split("\n")) {
            List<String> words = List.of(line.trim().split("\\s+"));
            if (words.size() >= cells.length && words.subList(0, cells.length).equals(List.of(cells))) {
                r.add(line);
            }
        }
        return r;
    }
}
