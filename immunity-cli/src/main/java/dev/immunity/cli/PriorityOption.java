package dev.immunity.cli;

/** Priorities as options spell them (lower case, as on the wire). */
public enum PriorityOption {
    critical, high, medium, low
}
