package io.pgrunbook.runbook;

import java.util.List;

/** A loaded, validated runbook. {@code source} is the path or {@code jar:runbooks/NAME.yaml}. */
public record Runbook(String name, String description, List<Param> params, List<Step> preflight, List<Step> steps,
                      String source, String sha256) {
    public java.util.Optional<Param> param(String n) {
        return params.stream().filter(p -> p.name().equals(n)).findFirst();
    }
}
