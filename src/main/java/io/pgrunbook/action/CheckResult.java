package io.pgrunbook.action;

/** Pass or fail, with a reason that names the host and the figures. */
public record CheckResult(boolean pass, String reason) {
    public static CheckResult pass(String reason) {
        return new CheckResult(true, reason);
    }

    public static CheckResult fail(String reason) {
        return new CheckResult(false, reason);
    }
}
