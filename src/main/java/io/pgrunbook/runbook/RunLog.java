package io.pgrunbook.runbook;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import io.pgrunbook.core.Secrets;
import io.pgrunbook.remote.Sanitize;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

/**
 * The per-run DEBUG log beside the journal ({@code STATE/runs/ID.log}): the operator's trail of every command.
 * Its own logger, not additive, so the console stays at the chosen verbosity. Callers pass masked text; control
 * characters from remote output are neutralised here.
 */
public final class RunLog implements AutoCloseable {
    private final Logger logger;
    private final FileAppender<ILoggingEvent> appender;
    private java.util.Set<String> secrets = java.util.Set.of();

    private RunLog(Logger logger, FileAppender<ILoggingEvent> appender) {
        this.logger = logger;
        this.appender = appender;
    }

    public static RunLog open(Path stateDir, String runId) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            return new RunLog(null, null);
        }
        Path file = Journal.runsDir(stateDir).resolve(runId + ".log");
        try {
            // logback would create it with the umask's permissions; the appender appends to the 0600 file made here
            Journal.privateRunsDir(stateDir);
            if (!java.nio.file.Files.exists(file)) {
                Journal.createUserOnly(file);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot write the run log " + file, e);
        }
        PatternLayoutEncoder enc = new PatternLayoutEncoder();
        enc.setContext(ctx);
        enc.setPattern("%d{ISO8601} %-5level %msg%n");
        enc.start();
        FileAppender<ILoggingEvent> app = new FileAppender<>();
        app.setContext(ctx);
        app.setName("run-" + runId);
        app.setFile(file.toString());
        app.setAppend(true);
        app.setEncoder(enc);
        app.setImmediateFlush(true);
        app.start();
        Logger l = ctx.getLogger("pgrunbook.run." + runId);
        l.setAdditive(false);
        l.setLevel(Level.DEBUG);
        l.addAppender(app);
        return new RunLog(l, app);
    }

    public RunLog secrets(java.util.Set<String> values) {
        this.secrets = java.util.Set.copyOf(values);
        return this;
    }

    public void debug(String msg) {
        if (logger != null) {
            logger.debug(Sanitize.logLine(Secrets.mask(msg, secrets)));
        }
    }

    public void info(String msg) {
        if (logger != null) {
            logger.info(Sanitize.logLine(Secrets.mask(msg, secrets)));
        }
    }

    public void warn(String msg) {
        if (logger != null) {
            logger.warn(Sanitize.logLine(Secrets.mask(msg, secrets)));
        }
    }

    @Override
    public void close() {
        if (logger != null) {
            logger.detachAppender(appender);
            appender.stop();
        }
    }
}
