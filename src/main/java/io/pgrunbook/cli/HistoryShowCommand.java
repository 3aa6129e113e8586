package io.pgrunbook.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.runbook.Journal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.List;

/** {@code pgrunbook history show ID}: one run, event by event. */
@Command(name = "show", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Show one run: who, what, where, each step's command, answer, exit status and output tail.")
public class HistoryShowCommand extends AbstractCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "The run id (see history).")
    String runId;

    @Override
    public Integer call() throws Exception {
        List<JsonNode> events;
        try {
            events = Journal.read(context().stateDir(), runId);
        } catch (IllegalArgumentException e) {
            events = null;
        }
        if (events == null) {
            throw new PgrunbookException(Outcome.USAGE, "no run " + runId, "see 'pgrunbook history'");
        }
        if (global().json()) {
            out().println(Json.pretty(events));
            return ExitCodes.OK;
        }
        // journals hold remote output as it came: shown here, its escape sequences are neutralised
        java.io.PrintWriter o = io.pgrunbook.remote.Sanitize.writer(out());
        for (JsonNode e : events) {
            String ev = e.path("event").asText();
            switch (ev) {
                case "start" -> o.printf("%s start  %s on %s by %s@%s, params %s, primary %s%s%n", e.path("time").asText(),
                        e.path("runbook").asText(), e.path("cluster").asText(), e.path("user").asText(), e.path("machine").asText(),
                        e.path("params"), e.path("primary").asText(), e.path("resumed_from").isTextual()
                                ? ", resumes " + e.path("resumed_from").asText() : "");
                case "preflight" -> o.printf("%s check  %s%s: %s %s%n", e.path("time").asText(), e.path("check").asText(),
                        e.path("host").isTextual() ? " on " + e.path("host").asText() : "", e.path("pass").asBoolean() ? "ok" : "FAILED",
                        e.path("reason").asText());
                case "step" -> {
                    o.printf("%s step %s %s%s: %s (answer %s, exit %s) %s%n", e.path("time").asText(), e.path("number").asText(),
                            e.path("name").asText(), e.path("host").isTextual() ? " on " + e.path("host").asText() : "",
                            e.path("result").asText(), e.path("answer").asText(), e.path("exit_status").asText(), e.path("detail").asText());
                    for (JsonNode c : e.path("command")) {
                        o.println("      $ " + c.asText());
                    }
                    if (e.path("output_tail").isTextual() && !e.path("output_tail").asText().isBlank()) {
                        e.path("output_tail").asText().lines().forEach(l -> o.println("      | " + l));
                    }
                }
                case "step_result" -> {
                    if (!e.path("result").asText().equals("ok") && !e.path("result").asText().equals("failed")) {
                        o.printf("%s step %s %s: %s %s%n", e.path("time").asText(), e.path("number").asText(),
                                e.path("name").asText(), e.path("result").asText(), e.path("detail").asText(""));
                    }
                }
                case "end" -> o.printf("%s end    %s (exit %s) %s%n", e.path("time").asText(), e.path("result").asText(),
                        e.path("exit_code").asText(), e.path("message").asText());
                default -> o.println(e);
            }
        }
        o.flush();
        return ExitCodes.OK;
    }
}
