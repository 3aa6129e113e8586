package io.pgrunbook.runbook;

/** Types of runbook parameters; values are checked against the inventory and units when a plan is made. */
public enum ParamType { HOST, ROLE, SIZE, DURATION, STRING, BOOL }
