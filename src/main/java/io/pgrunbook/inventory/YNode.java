package io.pgrunbook.inventory;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML document as a tree that remembers where every key and value stands, so that errors in inventories and
 * runbooks can name file, line and column. Shared by the inventory and runbook loaders.
 */
public sealed interface YNode permits YNode.YMap, YNode.YList, YNode.YScalar {
    SourceLocation at();

    /** A mapping in document order; each entry keeps the location of its key. */
    record YMap(LinkedHashMap<String, Entry> entries, SourceLocation at) implements YNode {
        public YNode get(String key) {
            Entry e = entries.get(key);
            return e == null ? null : e.value();
        }

        public SourceLocation keyAt(String key) {
            Entry e = entries.get(key);
            return e == null ? at : e.keyAt();
        }
    }

    record Entry(SourceLocation keyAt, YNode value) {
    }

    record YList(List<YNode> items, SourceLocation at) implements YNode {
    }

    /** A scalar as YAML typed it: String, Integer/Long, Double, Boolean, or null. */
    record YScalar(Object value, SourceLocation at) implements YNode {
        public String text() {
            return value == null ? null : String.valueOf(value);
        }
    }

    YAMLFactory FACTORY = new YAMLFactory();

    /**
     * Parses a whole YAML document; syntax errors, duplicate keys, a second document and an undefined alias name the
     * file, line and column.
     */
    static YNode parse(Path file, String text) {
        try (JsonParser p = FACTORY.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return new YMap(new LinkedHashMap<>(), new SourceLocation(file, 1, 1));
            }
            try {
                YNode root = new Reader(file, text).read(p);
                if (p.nextToken() != null) {
                    // a stray '---' used to end the file there in silence: every step after it was dropped
                    throw new InventoryException(documentStart(file, text, p.currentTokenLocation()), "a second YAML document (after a '---'"
                            + " line): a file holds one document; remove the '---' or move what follows it into the first");
                }
                return root;
            } catch (InventoryException e) {
                throw e;
            } catch (RuntimeException e) {
                // SnakeYAML itself trips on some malformed input (an index past its 1024-character buffer, found by the
                // fuzz test): still a located refusal, never a stack trace
                throw new InventoryException(loc(file, p.currentLocation()), "YAML syntax: the parser cannot read the file from"
                        + " here (" + e.getClass().getSimpleName() + "); check the quoting and indentation at this place");
            }
        } catch (InventoryException e) {
            throw e;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            JsonLocation l = e.getLocation();
            String msg = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
            if (msg.startsWith("Expected a field name")) {
                // SnakeYAML's event dump is no help to an operator
                msg = "a key must be a single value, not a mapping or a list";
            }
            int cut = msg.indexOf("\n");
            throw new InventoryException(new SourceLocation(file, l == null || l.getLineNr() < 1 ? 1 : l.getLineNr(),
                    l == null || l.getColumnNr() < 1 ? 1 : l.getColumnNr()), "YAML syntax: " + (cut > 0 ? msg.substring(0, cut) : msg));
        } catch (IOException e) {
            throw new InventoryException(file + ": cannot read: " + e.getMessage());
        }
    }

    /** The '---' line that started the document whose first value is at {@code l}: what the operator must delete. */
    private static SourceLocation documentStart(Path file, String text, JsonLocation l) {
        String[] lines = text.split("\n", -1);
        for (int i = Math.min(l.getLineNr(), lines.length) - 1; i >= 0; i--) {
            if (lines[i].equals("---") || lines[i].startsWith("--- ") || lines[i].startsWith("---\t") || lines[i].startsWith("---\r")) {
                return new SourceLocation(file, i + 1, 1);
            }
        }
        return loc(file, l);
    }

    private static SourceLocation loc(Path file, JsonLocation l) {
        return new SourceLocation(file, l.getLineNr(), l.getColumnNr());
    }

    /** One parse: the anchors seen so far, and a bound on what aliases may expand to. */
    final class Reader {
        /** Far above any real inventory or runbook; "a billion laughs" of nested aliases stops here, not in memory. */
        private static final int MAX_NODES = 100_000;
        private static final java.util.regex.Pattern SCALAR_ANCHOR =
                java.util.regex.Pattern.compile("(?:![^\\s]*\\s+)?&([^\\s,\\[\\]{}]+)");
        private final Path file;
        private final String[] lines;
        private final Map<String, YNode> anchors = new HashMap<>();
        private final Map<YNode, Integer> sizes = new IdentityHashMap<>();
        private int nodes;

        Reader(Path file, String text) {
            this.file = file;
            this.lines = text.split("\n", -1);
        }

        YNode read(JsonParser p) throws IOException {
            SourceLocation at = loc(file, p.currentTokenLocation());
            if (p instanceof YAMLParser y && y.isCurrentAlias()) {
                String name = p.getText();
                YNode target = anchors.get(name);
                if (target == null) {
                    // Jackson hands an alias over as its bare name: '*DD' would have become the text "DD"
                    throw new InventoryException(at, "undefined alias '*" + name + "': no '&" + name + "' before it");
                }
                count(sizes.getOrDefault(target, 1), at);
                return target instanceof YScalar s ? new YScalar(s.value(), at) : target;
            }
            String anchor = p.getObjectId() instanceof String a ? a : p.currentToken().isScalarValue() ? scalarAnchor(at) : null;
            int before = nodes;
            YNode n = readValue(p, at);
            if (anchor != null) {
                anchors.put(anchor, n);
                sizes.put(n, nodes - before);
            }
            return n;
        }

        /** Jackson keeps the anchor of a mapping or list but drops a scalar's: read it from the text at the value. */
        private String scalarAnchor(SourceLocation at) {
            if (at.line() < 1 || at.line() > lines.length) {
                return null;
            }
            String line = lines[at.line() - 1];
            int from = line.offsetByCodePoints(0, Math.min(at.column() - 1, line.codePointCount(0, line.length())));
            java.util.regex.Matcher m = SCALAR_ANCHOR.matcher(line).region(from, line.length());
            return m.lookingAt() ? m.group(1) : null;
        }

        private void count(int n, SourceLocation at) {
            nodes += n;
            if (nodes > MAX_NODES) {
                throw new InventoryException(at, "more than " + MAX_NODES + " values once aliases are expanded;"
                        + " write the values out instead of nesting aliases");
            }
        }

        private YNode readValue(JsonParser p, SourceLocation at) throws IOException {
            JsonToken t = p.currentToken();
            count(1, at);
            switch (t) {
                case START_OBJECT -> {
                    LinkedHashMap<String, Entry> m = new LinkedHashMap<>();
                    while (p.nextToken() != JsonToken.END_OBJECT) {
                        String key = p.currentName();
                        SourceLocation keyAt = loc(file, p.currentTokenLocation());
                        if (m.containsKey(key)) {
                            throw new InventoryException(keyAt, "duplicate key '" + key + "' (first at line " + m.get(key).keyAt().line() + ")");
                        }
                        p.nextToken();
                        m.put(key, new Entry(keyAt, read(p)));
                    }
                    return new YMap(m, at);
                }
                case START_ARRAY -> {
                    List<YNode> items = new ArrayList<>();
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        items.add(read(p));
                    }
                    return new YList(items, at);
                }
                case VALUE_STRING -> {
                    return new YScalar(p.getText(), at);
                }
                case VALUE_NUMBER_INT -> {
                    return new YScalar(p.getNumberValue(), at);
                }
                case VALUE_NUMBER_FLOAT -> {
                    return new YScalar(p.getDoubleValue(), at);
                }
                case VALUE_TRUE, VALUE_FALSE -> {
                    return new YScalar(p.getBooleanValue(), at);
                }
                case VALUE_NULL -> {
                    return new YScalar(null, at);
                }
                default -> throw new InventoryException(at, "a value YAML cannot give as text, a number, true/false or a list"
                        + " (a tag such as !!binary?)");
            }
        }
    }

    /** Deep merge: {@code over} wins; mappings merge key by key; each value keeps the location it came from. */
    static YNode merge(YNode base, YNode over) {
        if (base == null) {
            return over;
        }
        if (over == null) {
            return base;
        }
        if (base instanceof YMap b && over instanceof YMap o) {
            LinkedHashMap<String, Entry> m = new LinkedHashMap<>(b.entries());
            o.entries().forEach((k, e) -> {
                Entry prev = m.get(k);
                m.put(k, prev == null ? e : new Entry(e.keyAt(), merge(prev.value(), e.value())));
            });
            return new YMap(m, o.at());
        }
        return over;
    }
}
