package io.pgrunbook.remote;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalTransportEnvTest {
    private static Map<String, String> operator() {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", "/usr/bin:/bin");
        env.put("LANG", "C.UTF-8");
        env.put("LC_ALL", "C");
        env.put("HOME", "/home/dba");
        env.put("PGPASSWORD", "pw-planted");
        env.put("PGRUNBOOK_SSH_PASSPHRASE", "phrase-planted");
        env.put("AWS_SECRET_ACCESS_KEY", "k");
        env.put("SSH_AUTH_SOCK", "/tmp/agent");
        env.put("PGPASSFILE", "/home/dba/.pgpass");
        env.put("EDITOR", "vi");
        return env;
    }

    @Test
    void a_command_as_another_user_keeps_only_path_locale_and_terminal() {
        Map<String, String> env = operator();
        LocalTransport.cleanEnvironment(env, true);
        assertEquals(Set.of("PATH", "LANG", "LC_ALL"), env.keySet());
    }

    @Test
    void a_command_as_the_operator_keeps_everything_but_the_secrets() {
        Map<String, String> env = operator();
        LocalTransport.cleanEnvironment(env, false);
        assertEquals(Set.of("PATH", "LANG", "LC_ALL", "HOME", "SSH_AUTH_SOCK", "PGPASSFILE", "EDITOR"), env.keySet());
    }

    @Test
    void a_real_command_run_as_postgres_sees_none_of_our_environment_but_what_runuser_or_sudo_sets() {
        Assumptions.assumeTrue(LocalTransport.runningAsRoot(), "needs root to become postgres without a password");
        ExecResult r = new LocalTransport("here").exec(RemoteCommand.of("env").as("postgres"), ExecOptions.DEFAULT);
        assertEquals(0, r.exitCode(), r.toString());
        Set<String> names = Arrays.stream(r.stdout().split("\n")).filter(l -> l.contains("="))
                .map(l -> l.substring(0, l.indexOf('='))).collect(Collectors.toSet());
        Set<String> allowed = Set.of("PATH", "LANG", "LANGUAGE", "TZ", "TERM", "HOME", "USER", "LOGNAME", "SHELL", "MAIL");
        names.removeIf(n -> allowed.contains(n) || n.startsWith("LC_") || n.startsWith("SUDO_"));
        assertTrue(names.isEmpty(), "inherited from the operator: " + names);
        assertTrue(r.stdout().contains("USER=postgres"), r.stdout());
    }
}
