package dev.immunity.core.model;

/** The outcome of running a patch's tests. */
public record TestResults(Integer exitCode, String stdout, String stderr, Double durationSeconds) {
}
