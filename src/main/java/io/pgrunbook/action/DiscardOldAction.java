package io.pgrunbook.action;

import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Shell;

/**
 * {@code rebuild.discard-old}: removes the data directories a rebuild moved aside ({@code DATA.pgrunbook-old-*}) once
 * the new copy streams, and the tablespace directories moved aside with them ({@code DIR.pgrunbook-old-*} beside each
 * directory the new copy's pg_tblspc links point at). Only those names.
 */
public final class DiscardOldAction implements Action {
    @Override
    public String name() {
        return "rebuild.discard-old";
    }

    @Override
    public Description description() {
        return Description.of("Remove the data directories a rebuild moved aside.")
            .changes("deletes the moved-aside data directories");
    }

    static String script(String dataDir) {
        // the glob stays outside the quotes; the directory name inside them
        return "for d in " + Shell.quote(dataDir + ".pgrunbook-old-") + "*; do if [ -d \"$d\" ]; then rm -rf -- \"$d\"; echo \"removed $d\"; fi; done; "
                // the tablespaces' earlier copies, beside the directories the new copy's pg_tblspc links point at
                + "for l in " + Shell.quote(dataDir + "/pg_tblspc/") + "*; do t=$(readlink \"$l\") || continue; case \"$t\" in /*) ;; *) continue;; esac; "
                + "for d in \"$t\".pgrunbook-old-*; do if [ -d \"$d\" ]; then rm -rf -- \"$d\"; echo \"removed $d\"; fi; done; done; true";
    }

    @Override
    public Rendered describe(StepContext ctx) {
        return Rendered.of("(as " + ctx.host().become() + ") rm -rf " + ctx.host().postgres().dataDir() + ".pgrunbook-old-*",
                "(as " + ctx.host().become() + ") rm -rf TABLESPACE_DIR.pgrunbook-old-* for each pg_tblspc link of " + ctx.host().postgres().dataDir());
    }

    @Override
    public Result execute(StepContext ctx) {
        ExecResult r = DataDir.quiet(ctx, ctx.host(), RemoteCommand.shell(script(ctx.host().postgres().dataDir())));
        String removed = r.stdout().strip();
        return new Result(r.ok(), r.exitCode(), removed, r.ok() ? (removed.isEmpty() ? "no old data directory to remove" : removed.replace("\n", "; "))
                : ctx.host().name() + ": cannot remove the old data directories");
    }
}
