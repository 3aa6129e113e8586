package io.pgrunbook.action;

import io.pgrunbook.core.Secrets;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;

/** Runs a command for an action and turns its outcome into a {@link Result}. */
final class Commands {
    static final int TAIL = 20;

    private Commands() {
    }

    static Result run(StepContext ctx, RemoteCommand cmd) {
        ExecResult r = ctx.runtime().transport(ctx.host()).exec(cmd, ctx.execOptions());
        String tail = r.tail(TAIL);
        String msg = r.exitCode() != null ? "exit status " + r.exitCode()
                // the transports kill a command that outlives the step's timeout and give no exit status: say which it was
                : ctx.timeout() != null && r.duration() != null && r.duration().compareTo(ctx.timeout()) >= 0
                ? "timed out after " + io.pgrunbook.inventory.Units.duration(ctx.timeout()) + " (the step's timeout): the command was killed"
                : "no exit status (the connection was lost or the command was killed)";
        return new Result(r.ok(), r.exitCode(), Secrets.mask(tail), msg);
    }

    static ExecResult quiet(StepContext ctx, RemoteCommand cmd) {
        return ctx.runtime().transport(ctx.host()).exec(cmd, io.pgrunbook.remote.ExecOptions.timeout(java.time.Duration.ofSeconds(30)));
    }
}
