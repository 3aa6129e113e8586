package io.pgrunbook.runbook;

import io.pgrunbook.inventory.SourceLocation;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A runbook string with {@code {{name}}} or {@code {{name.path}}} placeholders, each with its own location so that
 * an unknown name is reported where it is written.
 */
public final class Template {
    private static final Pattern EXPR = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");

    /** A placeholder: the expression and where it stands; {@code offset} is its index in the source text. */
    public record Ref(String expr, int offset, SourceLocation at) {
        public String root() {
            int dot = expr.indexOf('.');
            return dot < 0 ? expr : expr.substring(0, dot);
        }

        public String path() {
            int dot = expr.indexOf('.');
            return dot < 0 ? null : expr.substring(dot + 1);
        }
    }

    private final String source;
    private final List<Object> parts; // String literal or Ref
    private final SourceLocation at;

    private Template(String source, List<Object> parts, SourceLocation at) {
        this.source = source;
        this.parts = parts;
        this.at = at;
    }

    /** Parses placeholders; {@code locate} turns an index in the text into a file location. */
    public static Template parse(String text, SourceLocation at, Function<Integer, SourceLocation> locate) {
        List<Object> parts = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            int open = text.indexOf("{{", i);
            if (open < 0) {
                parts.add(text.substring(i));
                break;
            }
            int close = text.indexOf("}}", open + 2);
            if (close < 0) {
                throw new RunbookException(locate.apply(open), "unterminated placeholder: '{{' without '}}'");
            }
            if (open > i) {
                parts.add(text.substring(i, open));
            }
            String expr = text.substring(open + 2, close).trim();
            if (!EXPR.matcher(expr).matches()) {
                throw new RunbookException(locate.apply(open), "bad placeholder '{{" + expr + "}}': write a name such as {{to}} or {{host.address}}");
            }
            parts.add(new Ref(expr, open, locate.apply(open)));
            i = close + 2;
        }
        return new Template(text, parts, at);
    }

    public static Template literal(String text, SourceLocation at) {
        return new Template(text, List.of(text), at);
    }

    public String source() {
        return source;
    }

    public SourceLocation at() {
        return at;
    }

    public List<Ref> refs() {
        return parts.stream().filter(p -> p instanceof Ref).map(p -> (Ref) p).toList();
    }

    /** The text with each placeholder replaced by its value, quoted for where it goes. */
    public String render(Function<Ref, String> values, Quoting quoting) {
        StringBuilder b = new StringBuilder();
        for (Object p : parts) {
            if (p instanceof Ref r) {
                b.append(quoting.apply(values.apply(r)));
            } else {
                b.append((String) p);
            }
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return source;
    }
}
