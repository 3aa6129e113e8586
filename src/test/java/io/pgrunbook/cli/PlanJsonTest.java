package io.pgrunbook.cli;

import io.pgrunbook.runbook.OnError;
import io.pgrunbook.runbook.PlannedStep;
import io.pgrunbook.runbook.StepKind;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

class PlanJsonTest {
    @Test
    void a_planned_step_spells_its_kind_and_on_error_as_the_runbook_does() throws Exception {
        for (StepKind k : StepKind.values()) {
            for (OnError e : OnError.values()) {
                PlannedStep ps = new PlannedStep(3, "Wait for db2", k, null, List.of("db2"), List.of(), false, null, true,
                        e, Duration.ofSeconds(5), null);
                String json = Json.compact(ps);
                String kind = k.name().toLowerCase(java.util.Locale.ROOT);
                String onError = e.name().toLowerCase(java.util.Locale.ROOT);
                assertTrue(json.contains("\"kind\":\"" + kind + "\""), json);
                assertTrue(json.contains("\"on_error\":\"" + onError + "\""), json);
            }
        }
    }
}
