package io.pgrunbook.runbook;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.pgrunbook.cluster.ClusterState;

import java.util.List;
import java.util.Map;

/**
 * A runbook made concrete for one cluster now: parameters checked, every step resolved to named hosts and rendered
 * into the exact commands and SQL that will run. {@code primary} is the live primary seen when planning.
 */
public record Plan(String runbook, String description, String source, String runbookSha256, String cluster,
                   Map<String, String> params, String primary, List<PlannedStep> preflight, List<PlannedStep> steps,
                   @JsonIgnore ClusterState state) {

    public PlannedStep step(int number) {
        return steps.stream().filter(s -> s.number() == number).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no step " + number));
    }
}
