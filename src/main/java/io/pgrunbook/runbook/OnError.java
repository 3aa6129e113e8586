package io.pgrunbook.runbook;

/** What a failed step does to the run. */
public enum OnError { ABORT, CONTINUE, ASK }
