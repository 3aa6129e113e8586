package io.pgrunbook.runbook;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** Answers from a script, for tests and drills; records every prompt. Running out of answers is Ctrl-C. */
public final class ScriptedConfirmer implements Confirmer {
    private final Deque<String> answers;
    private final List<String> prompts = new ArrayList<>();

    public ScriptedConfirmer(String... answers) {
        this.answers = new ArrayDeque<>(List.of(answers));
    }

    @Override
    public boolean interactive() {
        return true;
    }

    @Override
    public synchronized Answer ask(String prompt) {
        prompts.add(prompt);
        while (true) {
            String a = next(prompt);
            Answer parsed = Confirmer.parse(a);
            if (parsed != null) {
                return parsed;
            }
        }
    }

    @Override
    public synchronized String readLine(String prompt) {
        prompts.add(prompt);
        return next(prompt);
    }

    private String next(String prompt) {
        if (answers.isEmpty()) {
            throw new Aborted("no scripted answer for: " + prompt);
        }
        return answers.poll();
    }

    public synchronized List<String> prompts() {
        return List.copyOf(prompts);
    }

    public synchronized int remaining() {
        return answers.size();
    }
}
