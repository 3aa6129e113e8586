package io.pgrunbook.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShellSessionTest {
    @Test
    void aGlobalOptionOnTheLineInAnySpellingReplacesTheShells() {
        assertTrue(ShellSession.given(List.of("status", "-i", "other.yaml"), "-i"));
        assertTrue(ShellSession.given(List.of("status", "-iother.yaml"), "-i"));
        assertTrue(ShellSession.given(List.of("status", "--inventory=other.yaml"), "-i"));
        assertTrue(ShellSession.given(List.of("status", "--cluster", "prod"), "-c"));
        assertTrue(ShellSession.given(List.of("status", "-ojson"), "-o"));
        assertTrue(ShellSession.given(List.of("status", "--no-color"), "--no-color"));
    }

    @Test
    void otherWordsDoNotCountAsTheOption() {
        assertFalse(ShellSession.given(List.of("status", "--watch", "2"), "-i"));
        assertFalse(ShellSession.given(List.of("logs", "db1", "--lines", "5"), "-c"));
        assertFalse(ShellSession.given(List.of("run", "x", "--", "-c"), "-c"));
        assertFalse(ShellSession.given(List.of("switchover", "--confirm-host", "db1"), "-c"));
    }
}
