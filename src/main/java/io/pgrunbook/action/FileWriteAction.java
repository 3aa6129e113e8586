package io.pgrunbook.action;

import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

/**
 * {@code file.write} with {path, content}: writes the content through stdin as the become user, so it never appears
 * on a command line (ps) or in the plan; verified by reading it back.
 */
public final class FileWriteAction implements Action {
    private static final String WRITE = "cat > \"$1\"";

    @Override
    public String name() {
        return "file.write";
    }

    @Override
    public Description description() {
        return Description.of("Write a file on each host through a temp file and mv, as the become user.")
            .option("path", "PATH: the file to write")
            .option("content", "TEXT: its content")
            .changes("the file at path");
    }

    @Override
    public Set<String> options() {
        return Set.of("path", "content");
    }

    private String user(StepContext ctx) {
        return ctx.as() != null ? ctx.as() : ctx.host().become();
    }

    @Override
    public Rendered describe(StepContext ctx) {
        byte[] content = ctx.option("content", "").getBytes(StandardCharsets.UTF_8);
        RemoteCommand c = RemoteCommand.of("sh", "-c", WRITE, "file.write", ctx.option("path", "")).as(user(ctx));
        return Rendered.of(c.describe() + "   # " + content.length + " bytes on stdin");
    }

    @Override
    public List<String> preconditions(StepContext ctx) {
        String path = ctx.option("path", null);
        if (path == null || !path.startsWith("/")) {
            return List.of("file.write needs an absolute 'path' (got " + path + ")");
        }
        return ctx.with().containsKey("content") ? List.of() : List.of("file.write needs 'content'");
    }

    @Override
    public Result execute(StepContext ctx) {
        byte[] content = ctx.option("content", "").getBytes(StandardCharsets.UTF_8);
        return Commands.run(ctx, RemoteCommand.of("sh", "-c", WRITE, "file.write", ctx.option("path", ""))
                .as(user(ctx)).withStdin(content));
    }

    @Override
    public Result verify(StepContext ctx) {
        ExecResult r = Commands.quiet(ctx, RemoteCommand.of("cat", "--", ctx.option("path", "")).as(user(ctx)));
        String expected = ctx.option("content", "");
        if (r.ok() && r.stdout().equals(expected.endsWith("\n") || expected.isEmpty() ? expected : expected + "\n")
                || r.ok() && r.stdout().equals(expected)) {
            return Result.ok(ctx.host().name() + ": " + ctx.option("path", "") + " holds the content");
        }
        return Result.failed(ctx.host().name() + ": " + ctx.option("path", "") + " does not hold the content (" + r.status() + ")");
    }
}
