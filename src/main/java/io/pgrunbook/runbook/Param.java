package io.pgrunbook.runbook;

import io.pgrunbook.inventory.SourceLocation;

/** A runbook parameter: required, or with a default. */
public record Param(String name, ParamType type, boolean required, String defaultValue, String help, SourceLocation at) {
}
