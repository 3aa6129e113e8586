package io.pgrunbook.action;

import java.util.List;

/**
 * The outcome of executing or verifying an action on one host. {@code exitStatus} is null when there was no command.
 * {@code opened}: the hazards the action left open by succeeding (see {@link Hazard}); the executor keeps them until a
 * later step closes them, and compensates what is still open when the run stops early.
 */
public record Result(boolean ok, Integer exitStatus, String output, String message, List<Hazard> opened) {
    public Result(boolean ok, Integer exitStatus, String output, String message) {
        this(ok, exitStatus, output, message, List.of());
    }

    public static Result ok(String message) {
        return new Result(true, null, "", message);
    }

    public static Result failed(String message) {
        return new Result(false, null, "", message);
    }

    /** This result, with a hazard it leaves open. */
    public Result opening(Hazard h) {
        List<Hazard> all = new java.util.ArrayList<>(opened);
        all.add(h);
        return new Result(ok, exitStatus, output, message, List.copyOf(all));
    }
}
