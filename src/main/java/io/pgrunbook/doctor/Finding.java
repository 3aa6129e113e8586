package io.pgrunbook.doctor;

/** One doctor check on one host ("-" for the cluster): the result, what was seen, and how to fix it when it failed. */
public record Finding(String host, String check, Result result, String detail, String hint) {
    public enum Result { PASS, FAIL, SKIP }

    public static Finding pass(String host, String check, String detail) {
        return new Finding(host, check, Result.PASS, detail, null);
    }

    public static Finding fail(String host, String check, String detail, String hint) {
        return new Finding(host, check, Result.FAIL, detail, hint);
    }

    public static Finding skip(String host, String check, String detail) {
        return new Finding(host, check, Result.SKIP, detail, null);
    }
}
