package io.pgrunbook.cli;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code pgrunbook rebuild HOST}: the shipped runbook {@code rebuild}. */
@Command(name = "rebuild", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Rebuild a SLAVE or BCP from scratch and make it stream again (runbook 'rebuild').",
                "Refused, whatever the flags, when HOST is the live primary or runs as a primary.",
                "basebackup moves the old data directory aside (DATA.pgrunbook-old-<time>, kept until --discard-old);"
                        + " rsync copies over it in backup mode (for large databases; a re-run continues).",
                "barman restores the cluster's Barman backup (inventory barman:) instead of loading the primary (runbook 'rebuild-barman')."})
public class RebuildCommand extends EngineCommand {
    public enum Method { basebackup, rsync, barman }

    @Parameters(index = "0", paramLabel = "HOST", description = "The standby to rebuild.")
    String host;

    @Option(names = "--from", paramLabel = "HOST", description = "The source: the live primary (default) or a streaming standby.")
    String from;

    @Option(names = "--method", paramLabel = "METHOD", description = "basebackup (default), rsync or barman.")
    Method method = Method.basebackup;

    @Option(names = "--backup-id", paramLabel = "ID", description = "With --method barman: the Barman backup to restore (default: latest).")
    String backupId;

    @Option(names = "--discard-old", description = "Remove the old data directory once the new copy streams.")
    boolean discardOld;

    @Mixin
    ExecutionOptions exec = new ExecutionOptions();

    @Override
    public Integer call() throws Exception {
        if (backupId != null && method != Method.barman) {
            throw new PgrunbookException(Outcome.USAGE, "--backup-id goes with --method barman", "add --method barman, or leave out --backup-id");
        }
        Map<String, String> p = new LinkedHashMap<>();
        p.put("target", host);
        p.put("from", from != null ? from : ProcedureCommand.livePrimary(this, "give the source with --from HOST"));
        if (method == Method.barman) {
            p.put("backup_id", backupId != null ? backupId : "latest");
            p.put("discard_old", String.valueOf(discardOld));
            return ProcedureCommand.run(this, exec, "rebuild-barman", p);
        }
        p.put("method", method.name());
        p.put("discard_old", String.valueOf(discardOld));
        return ProcedureCommand.run(this, exec, "rebuild", p);
    }
}
