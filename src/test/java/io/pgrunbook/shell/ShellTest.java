package io.pgrunbook.shell;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShellTest {
    @Test
    void aGlobalOptionOnTheLineInAnySpellingReplacesTheShells() {
        assertTrue(Shell.given(List.of("status", "-i", "other.yaml"), "-i"));
        assertTrue(Shell.given(List.of("status", "-iother.yaml"), "-i"));
        assertTrue(Shell.given(List.of("status", "--inventory=other.yaml"), "-i"));
        assertTrue(Shell.given(List.of("status", "--cluster", "prod"), "-c"));
        assertTrue(Shell.given(List.of("status", "-ojson"), "-o"));
        assertTrue(Shell.given(List.of("status", "--no-color"), "--no-color"));
    }

    @Test
    void otherWordsDoNotCountAsTheOption() {
        assertFalse(Shell.given(List.of("status", "--watch", "2"), "-i"));
        assertFalse(Shell.given(List.of("logs", "db1", "--lines", "5"), "-c"));
        assertFalse(Shell.given(List.of("run", "x", "--", "-c"), "-c"));
        assertFalse(Shell.given(List.of("switchover", "--confirm-host", "db1"), "-c"));
    }
}
