package io.pgrunbook.action;

import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.runbook.Secrets;

/** Runs a command for an action and turns its outcome into a {@link Result}. */
final class Commands {
    static final int TAIL = 20;

    private Commands() {
    }

    static Result run(StepContext ctx, RemoteCommand cmd) {
        ExecResult r = ctx.runtime().transport(ctx.host()).exec(cmd, ctx.execOptions());
        String tail = r.tail(TAIL);
        String msg = r.exitCode() == null ? "no exit status (timed out or connection lost)" : "exit status " + r.exitCode();
        return new Result(r.ok(), r.exitCode(), Secrets.mask(tail), msg);
    }

    static ExecResult quiet(StepContext ctx, RemoteCommand cmd) {
        return ctx.runtime().transport(ctx.host()).exec(cmd, io.pgrunbook.remote.ExecOptions.timeout(java.time.Duration.ofSeconds(30)));
    }
}
