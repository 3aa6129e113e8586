package io.pgrunbook.action;

/** The outcome of executing or verifying an action on one host. {@code exitStatus} is null when there was no command. */
public record Result(boolean ok, Integer exitStatus, String output, String message) {
    public static Result ok(String message) {
        return new Result(true, null, "", message);
    }

    public static Result failed(String message) {
        return new Result(false, null, "", message);
    }
}
