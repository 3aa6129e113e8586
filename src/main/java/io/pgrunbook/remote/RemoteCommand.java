package io.pgrunbook.remote;

import java.util.ArrayList;
import java.util.List;

/**
 * A command to run on a host: an argument vector, never a concatenated string, and the OS user to run it as
 * ({@code null}: the login user). A shell snippet is {@code sh -c SCRIPT}, built with {@link #shell}.
 * {@code display} is what plans and journals show (secrets already masked), default the quoted argv.
 */
public record RemoteCommand(List<String> argv, String asUser, byte[] stdin, String display) {

    public RemoteCommand {
        argv = List.copyOf(argv);
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
    }

    public static RemoteCommand of(String... argv) {
        return new RemoteCommand(List.of(argv), null, null, null);
    }

    public static RemoteCommand of(List<String> argv) {
        return new RemoteCommand(argv, null, null, null);
    }

    /** A shell script run by {@code sh -c}; values inside it must already be quoted with {@link Shell#quote}. */
    public static RemoteCommand shell(String script) {
        return new RemoteCommand(List.of("sh", "-c", script), null, null, script);
    }

    public RemoteCommand as(String user) {
        return new RemoteCommand(argv, user, stdin, display);
    }

    public RemoteCommand withStdin(byte[] input) {
        return new RemoteCommand(argv, asUser, input, display);
    }

    public RemoteCommand withDisplay(String text) {
        return new RemoteCommand(argv, asUser, stdin, text);
    }

    /** The command as a person reads it in a plan: the script, or the quoted argv; prefixed by the become user. */
    public String describe() {
        String body = display != null ? display : Shell.join(argv);
        return asUser != null ? "(as " + asUser + ") " + body : body;
    }

    /** The command line for a remote shell, with {@code sudo -n -u USER --} when becoming another user. */
    public String toShellLine(boolean become) {
        return Shell.join(argv(become));
    }

    /** The argument vector, after {@code sudo -n -u USER --} when becoming another user. */
    public List<String> argv(boolean become) {
        List<String> all = new ArrayList<>();
        if (become && asUser != null) {
            all.addAll(List.of("sudo", "-n", "-u", asUser, "--"));
        }
        all.addAll(argv);
        return all;
    }
}
