package io.pgrunbook.drill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a drill measured, from the writer's attempts, the runs' journals and the rows found on the primary afterwards:
 * RTO (the longest time between two acknowledged writes around the procedure), RPO (acknowledged writes missing on
 * the primary afterwards), the time of every step and who confirmed it and how.
 */
public record DrillReport(String drillId, String scenario, String cluster, String result, Instant start, Instant end,
                          Gap rto, boolean restored, long attempts, long acknowledged, long refused, List<Long> lost,
                          String checkedOn, List<StepTime> steps, List<String> runs, String writerLog) {

    /** The longest stretch without an acknowledged write: from one acknowledgement to the next. */
    public record Gap(Instant from, Instant to) {
        public double seconds() {
            return Duration.between(from, to).toNanos() / 1e9;
        }
    }

    /**
     * One step of one run: its hosts, when it started and ended (the earliest and latest over its hosts), its result,
     * the OS user who ran it and how it was confirmed (yes, yes (--yes), yes (typed db1), ...).
     */
    public record StepTime(String run, String runbook, int number, String name, String hosts, Instant start, Instant end,
                           String result, String user, String confirmed) {
        public double seconds() {
            return Duration.between(start, end).toNanos() / 1e9;
        }
    }

    /** The longest gap between consecutive acknowledged writes that overlaps [from, to], or null with no write at all. */
    public static Gap longestGap(List<Attempt> attempts, Instant from, Instant to) {
        if (attempts.isEmpty()) {
            return null;
        }
        List<Instant> acks = new ArrayList<>();
        // before the first acknowledgement, the writer's own start stands for one: it could not write since then
        acks.add(attempts.stream().map(Attempt::start).min(Comparator.naturalOrder()).orElseThrow());
        attempts.stream().filter(Attempt::ok).map(Attempt::end).sorted().forEach(acks::add);
        boolean restored = attempts.stream().anyMatch(a -> a.ok() && !a.end().isBefore(to));
        if (!restored) {
            // never acknowledged again: the gap runs at least until the last attempt ended
            acks.add(attempts.stream().map(Attempt::end).max(Comparator.naturalOrder()).orElseThrow());
        }
        Gap best = null;
        for (int i = 0; i + 1 < acks.size(); i++) {
            Instant a = acks.get(i);
            Instant b = acks.get(i + 1);
            if (a.isAfter(to) || b.isBefore(from)) {
                continue;
            }
            if (best == null || Duration.between(a, b).compareTo(Duration.between(best.from(), best.to())) > 0) {
                best = new Gap(a, b);
            }
        }
        return best;
    }

    /** Whether a write was acknowledged after {@code to}: the writer got through again. */
    public static boolean restored(List<Attempt> attempts, Instant to) {
        return attempts.stream().anyMatch(a -> a.ok() && !a.end().isBefore(to));
    }

    /** The acknowledged ids missing from {@code present} (the rows found on the primary afterwards), in order. */
    public static List<Long> lost(List<Attempt> attempts, Set<Long> present) {
        return attempts.stream().filter(Attempt::ok).map(Attempt::id).filter(id -> !present.contains(id)).sorted().toList();
    }

    /** The steps of a run's journal (its events in order), one per step number, in order. */
    public static List<StepTime> steps(List<JsonNode> events) {
        String run = null;
        String runbook = null;
        String user = null;
        Map<Integer, List<JsonNode>> byStep = new LinkedHashMap<>();
        for (JsonNode e : events) {
            String kind = e.path("event").asText();
            if (kind.equals("start")) {
                run = e.path("run_id").asText(null);
                runbook = e.path("runbook").asText(null);
                user = e.path("user").asText(null);
            } else if (kind.equals("step")) {
                byStep.computeIfAbsent(e.path("number").asInt(), k -> new ArrayList<>()).add(e);
            }
        }
        List<StepTime> out = new ArrayList<>();
        for (Map.Entry<Integer, List<JsonNode>> s : byStep.entrySet()) {
            List<JsonNode> es = s.getValue();
            Set<String> hosts = new LinkedHashSet<>();
            Set<String> answers = new LinkedHashSet<>();
            Instant from = null;
            Instant to = null;
            String result = "ok";
            for (JsonNode e : es) {
                if (e.hasNonNull("host")) {
                    hosts.add(e.get("host").asText());
                }
                if (e.hasNonNull("answer")) {
                    answers.add(e.get("answer").asText());
                }
                Instant a = Instant.parse(e.path("start").asText());
                Instant b = Instant.parse(e.path("end").asText());
                from = from == null || a.isBefore(from) ? a : from;
                to = to == null || b.isAfter(to) ? b : to;
                String r = e.path("result").asText("ok");
                if (!r.equals("ok") && result.equals("ok")) {
                    result = r;
                }
            }
            out.add(new StepTime(run, runbook, s.getKey(), es.get(0).path("name").asText(), String.join(", ", hosts),
                    from, to, result, user, answers.isEmpty() ? null : String.join(", ", answers)));
        }
        return out;
    }

    /** The report of a finished drill. {@code present}: the writer's ids found on {@code checkedOn} afterwards. */
    public static DrillReport of(String drillId, String scenario, String cluster, String result, Instant start, Instant end,
                                 List<Attempt> attempts, Set<Long> present, String checkedOn,
                                 List<List<JsonNode>> journals, String writerLog) {
        List<StepTime> steps = new ArrayList<>();
        List<String> runs = new ArrayList<>();
        for (List<JsonNode> j : journals) {
            List<StepTime> s = steps(j);
            steps.addAll(s);
            j.stream().filter(e -> e.path("event").asText().equals("start")).findFirst()
                    .ifPresent(e -> runs.add(e.path("run_id").asText()));
        }
        long ok = attempts.stream().filter(Attempt::ok).count();
        return new DrillReport(drillId, scenario, cluster, result, start, end, longestGap(attempts, start, end),
                restored(attempts, end), attempts.size(), ok, attempts.size() - ok,
                present == null ? null : lost(attempts, present), checkedOn, steps, runs, writerLog);
    }

    /** RPO in acknowledged commits, or -1 when the primary could not be checked. */
    public long rpo() {
        return lost == null ? -1 : lost.size();
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The report as JSON (snake_case, instants in ISO-8601, seconds as numbers). */
    public String json() {
        ObjectNode n = JSON.createObjectNode();
        n.put("drill", drillId);
        n.put("scenario", scenario);
        n.put("cluster", cluster);
        n.put("result", result);
        n.put("start", start.toString());
        n.put("end", end.toString());
        n.put("seconds", Duration.between(start, end).toMillis() / 1000.0);
        ObjectNode r = n.putObject("rto");
        if (rto == null) {
            r.putNull("seconds");
        } else {
            r.put("seconds", Math.round(rto.seconds() * 1000) / 1000.0);
            r.put("from", rto.from().toString());
            r.put("to", rto.to().toString());
        }
        r.put("restored", restored);
        ObjectNode p = n.putObject("rpo");
        if (lost == null) {
            p.putNull("commits");
        } else {
            p.put("commits", lost.size());
        }
        ArrayNode l = p.putArray("lost_ids");
        if (lost != null) {
            lost.stream().limit(1000).forEach(l::add);
        }
        p.put("checked_on", checkedOn);
        ObjectNode w = n.putObject("writer");
        w.put("attempts", attempts);
        w.put("acknowledged", acknowledged);
        w.put("refused", refused);
        w.put("log", writerLog);
        ArrayNode s = n.putArray("steps");
        for (StepTime t : steps) {
            ObjectNode o = s.addObject();
            o.put("run", t.run());
            o.put("runbook", t.runbook());
            o.put("number", t.number());
            o.put("name", t.name());
            o.put("hosts", t.hosts());
            o.put("start", t.start().toString());
            o.put("end", t.end().toString());
            o.put("seconds", Math.round(t.seconds() * 1000) / 1000.0);
            o.put("result", t.result());
            o.put("user", t.user());
            o.put("confirmed", t.confirmed());
        }
        ArrayNode rs = n.putArray("runs");
        runs.forEach(rs::add);
        try {
            return JSON.writeValueAsString(n) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    /** One line for the terminal: RTO, RPO and the result. */
    public String summary() {
        return "drill " + scenario + " on " + cluster + ": " + result + "; RTO " + rtoText() + "; RPO " + rpoText();
    }

    String rtoText() {
        if (rto == null) {
            return "unknown (no write attempt)";
        }
        // from the same millisecond-rounded figure as the JSON's rto.seconds, so the two never differ in the last digit
        return String.format(java.util.Locale.ROOT, "%.2f s", Math.round(rto.seconds() * 1000) / 1000.0)
                + (restored ? "" : " or more (writes never came back)");
    }

    String rpoText() {
        if (lost == null) {
            return "unknown (the primary could not be checked)";
        }
        return lost.size() + " acknowledged commit" + (lost.size() == 1 ? "" : "s") + " lost of " + acknowledged;
    }

    /** The report for people: the figures, the timeline picture, the steps, how it was measured. */
    public String markdown(String svgFileName) {
        StringBuilder m = new StringBuilder();
        m.append("# Drill report: ").append(scenario).append(" on cluster ").append(cluster).append("\n\n");
        m.append("| | |\n| --- | --- |\n");
        m.append("| drill | `").append(drillId).append("` |\n");
        m.append("| result | **").append(result).append("** |\n");
        m.append("| when | ").append(DAY.format(start)).append(" to ").append(CLOCK.format(end)).append(" UTC (")
                .append(String.format(java.util.Locale.ROOT, "%.1f s", Duration.between(start, end).toMillis() / 1000.0)).append(") |\n");
        m.append("| RTO: writes refused for | **").append(rtoText()).append("**");
        if (rto != null) {
            m.append(", from ").append(CLOCK.format(rto.from())).append(" to ").append(CLOCK.format(rto.to()));
        }
        m.append(" |\n");
        m.append("| RPO: acknowledged commits lost | **").append(rpoText()).append("**")
                .append(checkedOn == null ? "" : " (checked on " + checkedOn + ")").append(" |\n");
        if (lost != null && !lost.isEmpty()) {
            m.append("| lost ids | ").append(lost.stream().limit(50).map(String::valueOf).reduce((a, b) -> a + ", " + b).orElse(""))
                    .append(lost.size() > 50 ? ", ..." : "").append(" |\n");
        }
        m.append("| writer | ").append(attempts).append(" attempts, ").append(acknowledged).append(" acknowledged, ")
                .append(refused).append(" refused; log `").append(writerLog).append("` |\n");
        m.append("| runs | ").append(String.join(", ", runs.stream().map(r -> "`" + r + "`").toList())).append(" |\n\n");
        m.append("![timeline of the drill: writes and steps](").append(svgFileName).append(")\n\n");
        m.append("## Steps\n\n| runbook | # | step | hosts | start (UTC) | seconds | result | run by | confirmed |\n")
                .append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (StepTime t : steps) {
            m.append("| ").append(t.runbook()).append(" | ").append(t.number()).append(" | ").append(cell(t.name()))
                    .append(" | ").append(cell(t.hosts())).append(" | ").append(CLOCK.format(t.start())).append(" | ")
                    .append(String.format(java.util.Locale.ROOT, "%.2f", t.seconds())).append(" | ").append(t.result())
                    .append(" | ").append(cell(t.user())).append(" | ").append(cell(t.confirmed())).append(" |\n");
        }
        m.append("\n## How this was measured\n\n");
        m.append("A writer inserted one numbered row per attempt into `").append(DrillWriter.TABLE)
                .append("` through the PgBouncers, before, during and after the procedure, and logged every attempt with")
                .append(" its times (`").append(writerLog).append("`). RTO is the longest time between two acknowledged")
                .append(" writes that overlaps the procedure (a write that waited in a PAUSE counts from its acknowledgement).")
                .append(" RPO counts the writes the writer saw acknowledged whose rows are not on the primary afterwards.")
                .append(" Step times, the OS user and how each step was confirmed come from the runs' journals")
                .append(" (`pgrunbook history show RUN`).\n");
        return m.toString();
    }

    private static String cell(String s) {
        return s == null ? "" : s.replace("|", "\\|").replace("\n", " ");
    }

    /** The ids of the writer's tokens among {@code tokens} (others' rows are ignored). */
    public static Set<Long> ids(String prefix, List<String> tokens) {
        Set<Long> out = new TreeSet<>();
        for (String t : tokens) {
            if (t.startsWith(prefix)) {
                try {
                    out.add(Long.parseLong(t.substring(prefix.length())));
                } catch (NumberFormatException ignored) {
                    // not one of ours
                }
            }
        }
        return out;
    }
}
