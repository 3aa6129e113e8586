package io.pgrunbook.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.pgrunbook.remote.Sanitize;

import java.io.PrintWriter;

/**
 * How an error reaches the operator: one line and a hint on stderr, the next command for a refusal or a failure;
 * with {@code -o json} also {@code {"error": {code, message, hint, exit_code, next}}} on stdout, so that a script
 * reading stdout gets JSON whatever happened. The exit code is the same either way.
 */
final class ErrorReport {
    private ErrorReport() {
    }

    /** {@code -o json}'s error document. */
    record Document(Error error) {
    }

    /** {@code code}: the exit code's name (refused, usage, ...); {@code exit_code}, {@code next} (null for none) after. */
    @JsonPropertyOrder({"code", "message", "hint", "exit_code", "next"})
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record Error(String code, String message, String hint, int exitCode, String next) {
    }

    static String codeName(int exitCode) {
        return switch (exitCode) {
            case ExitCodes.FAILED -> "failed";
            case ExitCodes.CRITICAL -> "critical";
            case ExitCodes.REFUSED -> "refused";
            case ExitCodes.USAGE -> "usage";
            case ExitCodes.INVALID_INPUT -> "invalid_input";
            case ExitCodes.ABORTED -> "aborted";
            default -> "internal";
        };
    }

    /**
     * The next command after an error of this command, or null: for refusals and failures (usage errors have picocli's
     * 'Try --help' line, internal errors a request for -v). A hint that names a command wins; else by command.
     */
    static String next(RootCommand root, picocli.CommandLine cl, int code, String hint) {
        if (code == ExitCodes.USAGE && hint != null && hint.matches("add --[a-z-]+ .*")) {
            // "add --confirm-host db1": the same command line with it, ready to paste
            var parsed = cl.getCommandSpec().root().commandLine().getParseResult();
            return parsed == null ? null : NextCommand.forReal(root.context.env(), parsed.originalArgs()) + " " + hint.substring(4);
        }
        if (code != ExitCodes.REFUSED && code != ExitCodes.FAILED) {
            return null;
        }
        String name = cl.getCommandSpec().qualifiedName(" ");
        String fallback = name.startsWith("pgrunbook lab") ? "lab status" : code == ExitCodes.FAILED ? "doctor" : "status";
        return NextCommand.of(root.context, root.global).afterError(hint, fallback);
    }

    static void print(RootCommand root, PrintWriter out, PrintWriter err, int code, String message, String hint, String next) {
        err.println("pgrunbook: " + Sanitize.text(message));
        if (hint != null) {
            err.println("  hint: " + Sanitize.text(hint));
        }
        if (next != null) {
            err.println("  next: " + next);
        }
        json(root, out, code, message, hint, next);
    }

    /** With -o json: the error document on stdout. */
    static void json(RootCommand root, PrintWriter out, int code, String message, String hint, String next) {
        if (root.global.json()) {
            try {
                out.println(Json.pretty(new Document(new Error(codeName(code), Sanitize.text(message),
                        hint == null ? null : Sanitize.text(hint), code, next))));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                // a record of strings always serialises
                throw new IllegalStateException(e);
            }
            out.flush();
        }
    }
}
