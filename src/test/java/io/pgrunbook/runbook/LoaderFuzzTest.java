package io.pgrunbook.runbook;

import io.pgrunbook.action.Registry;
import io.pgrunbook.core.Outcome;
import io.pgrunbook.inventory.InventoryException;
import io.pgrunbook.inventory.InventoryLoader;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mutated copies of the shipped inventory example and runbooks, made from a fixed seed so that a failure is the same
 * on every run: each must load, or be refused with the loader's own exception naming file:line:column. Anything else
 * (another exception, a message without a place, a hang) is a defect the operator would meet as exit 70 or a stuck
 * terminal.
 */
class LoaderFuzzTest {
    private static final long SEED = 9_007L;
    private static final int CASES_PER_KIND = 2500;
    private static final long CASE_TIMEOUT_MS = 2000;
    private static final Path FILE = Path.of("/fuzz/input.yaml");
    private static final Pattern LOCATED = Pattern.compile("^" + Pattern.quote(FILE.toString()) + ":\\d+:\\d+: \\S.*", Pattern.DOTALL);

    private static final String[] TOKENS = {"---", "...", "*DD", "&DD ", "*a", "<<: *a", "!!binary ", "!!str ", "? ", "- ",
            ": ", "{", "}", "[", "]", "|", ">", "#", "%YAML 1.1", "@", "`", "'", "\"", "\\", "\t", "\u0000", "\u001b[31m",
            "\r", "\u0085", "\u2028", "\ufeff", "\ud800", "-rf", "99999999999999999999999999999999999999d",
            "1".repeat(400), "1e999", "-1", "0", ".inf", ".nan", "0x7fffffffffffffff", "~", "null", "true", "9223372036854775808",
            "18446744073709551616TB", "{{", "}}", "{{to}}", "{{host.name}}", "{{ nope }}", "$$", "password: x", "é", "😀"};

    record Outcome(int loaded, int refused, List<String> defects) {
    }

    @Test
    void mutated_inventories_load_or_are_refused_with_a_location() throws Exception {
        InventoryLoader loader = new InventoryLoader(Map.of("HOME", "/home/dba", "USER", "dba"));
        List<String> seeds = List.of(Files.readString(Path.of("inventory.example.yaml")));
        Outcome o = fuzz(seeds, SEED, text -> {
            try {
                loader.parse(FILE, text);
                return null;
            } catch (InventoryException e) {
                return e;
            }
        });
        report("inventories", o);
    }

    @Test
    void mutated_runbooks_load_or_are_refused_with_a_location() throws Exception {
        RunbookLoader loader = new RunbookLoader(Registry.builtins());
        List<String> seeds = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("runbooks"))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                seeds.add(Files.readString(p));
            }
        }
        Outcome o = fuzz(seeds, SEED + 1, text -> {
            try {
                loader.parse(FILE.toString(), text);
                return null;
            } catch (RunbookException e) {
                return e;
            }
        });
        report("runbooks", o);
    }

    private static void report(String what, Outcome o) {
        System.out.printf("fuzz %s: %d cases, %d loaded, %d refused with a location, %d defects%n", what,
                o.loaded() + o.refused() + o.defects().size(), o.loaded(), o.refused(), o.defects().size());
        assertTrue(o.defects().isEmpty(), o.defects().size() + " defects, the first ones:\n"
                + String.join("\n\n", o.defects().subList(0, Math.min(8, o.defects().size()))));
    }

    /** {@code load} returns null when the text loaded, the loader's exception when refused; anything it throws is a defect. */
    private static Outcome fuzz(List<String> seeds, long seed, Function<String, RuntimeException> load) throws Exception {
        Random rnd = new Random(seed);
        int loaded = 0;
        int refused = 0;
        List<String> defects = new ArrayList<>();
        ExecutorService pool = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz");
            t.setDaemon(true);
            return t;
        });
        try {
            for (int i = 0; i < CASES_PER_KIND; i++) {
                String text = seeds.get(rnd.nextInt(seeds.size()));
                int n = 1 + rnd.nextInt(3);
                List<String> applied = new ArrayList<>();
                for (int k = 0; k < n; k++) {
                    int kind = rnd.nextInt(8);
                    text = mutate(text, kind, rnd);
                    applied.add(String.valueOf(kind));
                }
                String input = text;
                Future<RuntimeException> f = pool.submit(() -> load.apply(input));
                String defect = null;
                try {
                    RuntimeException e = f.get(CASE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                    if (e == null && secondDocument(input)) {
                        defect = "loaded although a '---' line starts a second document (what follows it was dropped)";
                    } else if (e == null) {
                        loaded++;
                    } else if (!LOCATED.matcher(e.getMessage()).matches()) {
                        defect = "refused without file:line:column: " + e.getMessage();
                    } else if (e.getMessage().matches("(?s).*\\bnull\\b.*") && !input.contains("null")) {
                        defect = "an internal null in the message: " + e.getMessage();
                    } else {
                        refused++;
                    }
                } catch (TimeoutException e) {
                    f.cancel(true);
                    defect = "no answer within " + CASE_TIMEOUT_MS + " ms";
                    // a hung parse keeps the thread: start a fresh one for the next case
                    pool.shutdownNow();
                    pool = Executors.newSingleThreadExecutor();
                } catch (java.util.concurrent.ExecutionException e) {
                    defect = e.getCause().toString() + " at " + firstFrame(e.getCause());
                }
                if (defect != null) {
                    defects.add("case " + i + " (mutations " + applied + "): " + defect + "\n--- input\n"
                            + (input.length() > 1500 ? input.substring(0, 1500) + "..." : input));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return new Outcome(loaded, refused, defects);
    }

    /** A '---' line at column 0 after some content: YAML starts a new document there, whatever the indentation around it. */
    private static boolean secondDocument(String text) {
        boolean content = false;
        for (String l : text.split("\n", -1)) {
            if (l.matches("---(\\s.*)?") && content) {
                return true;
            }
            String t = l.strip();
            if (!t.isEmpty() && !t.startsWith("#") && !t.startsWith("%") && !l.matches("---(\\s.*)?")) {
                content = true;
            }
        }
        return false;
    }

    private static String firstFrame(Throwable t) {
        StackTraceElement[] st = t.getStackTrace();
        for (StackTraceElement e : st) {
            if (e.getClassName().startsWith("io.pgrunbook")) {
                return e.toString();
            }
        }
        return st.length > 0 ? st[0].toString() : "?";
    }

    private static String mutate(String text, int kind, Random rnd) {
        if (text.isEmpty()) {
            return TOKENS[rnd.nextInt(TOKENS.length)];
        }
        String[] lines = text.split("\n", -1);
        int at = rnd.nextInt(text.length());
        int line = rnd.nextInt(lines.length);
        return switch (kind) {
            // one character replaced by any char from printable ASCII through controls and a few non-ASCII ones
            case 0 -> text.substring(0, at) + (char) (rnd.nextInt(5) == 0 ? rnd.nextInt(0x300) : 0x20 + rnd.nextInt(0x5f))
                    + text.substring(at + 1);
            case 1 -> text.substring(0, at) + text.substring(Math.min(text.length(), at + 1 + rnd.nextInt(40)));
            case 2 -> {
                int end = Math.min(lines.length, line + 1 + rnd.nextInt(4));
                List<String> out = new ArrayList<>(List.of(lines));
                out.addAll(end, List.of(lines).subList(line, end));
                yield String.join("\n", out);
            }
            case 3 -> {
                int end = Math.min(lines.length, line + 1 + rnd.nextInt(6));
                boolean in = rnd.nextBoolean();
                for (int l = line; l < end; l++) {
                    lines[l] = in ? "  " + lines[l] : lines[l].replaceFirst("^ {1,2}", "");
                }
                yield String.join("\n", lines);
            }
            case 4 -> {
                lines[line] = (rnd.nextBoolean() ? "---\n" : "--- \n...\n") + lines[line];
                yield String.join("\n", lines);
            }
            case 5 -> {
                // a value replaced by an alias (often undefined), or an anchor on one and an alias to it further down
                int colon = lines[line].indexOf(": ");
                if (colon < 0) {
                    yield text.substring(0, at) + " *x" + text.substring(at);
                }
                String[] v = {"*DD", "*a", "&a " + lines[line].substring(colon + 2), "*" + "a".repeat(1 + rnd.nextInt(3))};
                lines[line] = lines[line].substring(0, colon + 2) + v[rnd.nextInt(v.length)];
                yield String.join("\n", lines);
            }
            case 6 -> {
                // a number or a whole value made huge
                java.util.regex.Matcher m = Pattern.compile("\\d+").matcher(lines[line]);
                String huge = rnd.nextBoolean() ? "9".repeat(20 + rnd.nextInt(400)) : "99999999999999999999999";
                if (m.find()) {
                    lines[line] = lines[line].substring(0, m.start()) + huge + lines[line].substring(m.end());
                } else {
                    lines[line] = lines[line] + huge;
                }
                yield String.join("\n", lines);
            }
            default -> text.substring(0, at) + TOKENS[rnd.nextInt(TOKENS.length)] + text.substring(at);
        };
    }

    @Test
    void the_seeds_themselves_load() throws IOException {
        new InventoryLoader(Map.of("HOME", "/home/dba", "USER", "dba")).parse(FILE, Files.readString(Path.of("inventory.example.yaml")));
        try (Stream<Path> files = Files.list(Path.of("runbooks"))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                new RunbookLoader(Registry.builtins()).parse(FILE.toString(), Files.readString(p));
            }
        }
    }
}
