package io.pgrunbook.action;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.remote.ExecOptions;

import java.time.Duration;
import java.util.Map;

/**
 * One step on one host, every template already rendered: {@code text} is the run script (values shell-quoted) or the
 * SQL (values as SQL literals) or the note; {@code with} the action's options; {@code as} the OS user (null: login
 * user). {@code runtime} is null while planning and set by the executor.
 */
public record StepContext(String stepName, Cluster cluster, Host host, String text, Map<String, String> with,
                          String as, String database, Duration timeout, StepRuntime runtime) {

    public StepContext withRuntime(StepRuntime rt) {
        return new StepContext(stepName, cluster, host, text, with, as, database, timeout, rt);
    }

    public String option(String key, String dflt) {
        String v = with.get(key);
        return v == null ? dflt : v;
    }

    public ExecOptions execOptions() {
        ExecOptions o = timeout != null ? ExecOptions.timeout(timeout) : ExecOptions.DEFAULT;
        return runtime != null && runtime.listener() != null ? o.withListener(runtime.listener()) : o;
    }
}
