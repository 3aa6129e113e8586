package io.pgrunbook.inventory;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
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

    /** Parses a whole YAML document; syntax errors and duplicate keys name the file, line and column. */
    static YNode parse(Path file, String text) {
        try (JsonParser p = FACTORY.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return new YMap(new LinkedHashMap<>(), new SourceLocation(file, 1, 1));
            }
            return read(file, p);
        } catch (InventoryException e) {
            throw e;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            JsonLocation l = e.getLocation();
            String msg = e.getOriginalMessage();
            int cut = msg.indexOf("\n");
            throw new InventoryException(new SourceLocation(file, l == null ? 1 : l.getLineNr(), l == null ? 1 : l.getColumnNr()),
                    "YAML syntax: " + (cut > 0 ? msg.substring(0, cut) : msg));
        } catch (IOException e) {
            throw new InventoryException(file + ": cannot read: " + e.getMessage());
        }
    }

    private static SourceLocation loc(Path file, JsonLocation l) {
        return new SourceLocation(file, l.getLineNr(), l.getColumnNr());
    }

    private static YNode read(Path file, JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        SourceLocation at = loc(file, p.currentTokenLocation());
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
                    m.put(key, new Entry(keyAt, read(file, p)));
                }
                return new YMap(m, at);
            }
            case START_ARRAY -> {
                List<YNode> items = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    items.add(read(file, p));
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
            default -> throw new InventoryException(at, "unsupported YAML element " + t);
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
