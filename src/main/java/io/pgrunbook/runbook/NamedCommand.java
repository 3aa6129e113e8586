package io.pgrunbook.runbook;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pgrunbook command a message names ("run 'pgrunbook switchover --to db2'", "repair it with: pgrunbook
 * repair-replica db4"): what a "next:" line offers after a refusal. Placeholders (HOST, ID) are not a command.
 */
public final class NamedCommand {
    private static final Pattern QUOTED = Pattern.compile("['`]pgrunbook ([^'`]+)['`]");
    private static final Pattern BARE = Pattern.compile("\\bpgrunbook ([a-z][^;'`()]*)");

    private NamedCommand() {
    }

    /** The arguments after "pgrunbook" of the first command the text names, or null. */
    public static String in(String text) {
        if (text == null) {
            return null;
        }
        for (Pattern p : new Pattern[] {QUOTED, BARE}) {
            Matcher m = p.matcher(text);
            while (m.find()) {
                String args = m.group(1).trim().replaceAll("[.,:]+$", "").trim();
                if (!args.isEmpty() && !args.matches(".*\\b(HOST|ID|NAME)\\b.*")) {
                    return args;
                }
            }
        }
        return null;
    }
}
