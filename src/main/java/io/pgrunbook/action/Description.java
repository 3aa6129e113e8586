package io.pgrunbook.action;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an action or a check tells a runbook author (`pgrunbook actions`): one line of what it does, each
 * {@code with:} option, what it changes on a server, and the hazard it may leave open with its compensation.
 * Built fluently: {@code Description.of("...").option("to", "HOST: ...").changes("...").compensation("...")}.
 */
public record Description(String summary, Map<String, String> options, String changes, String compensation) {
    public static Description of(String summary) {
        return new Description(summary, Map.of(), null, null);
    }

    /** A {@code with:} key and what it means (its value's form first, e.g. "HOST: the ..."). */
    public Description option(String key, String meaning) {
        Map<String, String> o = new LinkedHashMap<>(options);
        o.put(key, meaning);
        return new Description(summary, Collections.unmodifiableMap(o), changes, compensation);
    }

    /** What it changes on a server; none for a read-only action or a check. */
    public Description changes(String what) {
        return new Description(summary, options, what, compensation);
    }

    /** The hazard it may leave open and how the run undoes it when it stops early. */
    public Description compensation(String what) {
        return new Description(summary, options, changes, what);
    }
}
