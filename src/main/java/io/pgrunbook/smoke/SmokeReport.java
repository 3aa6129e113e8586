package io.pgrunbook.smoke;

import java.util.List;

/** What {@code smoke} found: every check in the order it ran, and whether all passed (SKIP is not a failure). */
public record SmokeReport(String cluster, String verdict, String primary, String token, List<Check> checks) {

    public enum Result { PASS, FAIL, SKIP }

    /** One check on one host ("-" when it concerns the cluster), how long it took, and what it saw. */
    public record Check(String check, String host, Result result, long millis, String detail) {
    }

    public boolean passed() {
        return checks.stream().noneMatch(c -> c.result() == Result.FAIL);
    }

    public long count(Result r) {
        return checks.stream().filter(c -> c.result() == r).count();
    }
}
