package dev.immunity.cli;

/** {@code -o}: a table for people, JSON for machines. */
public enum OutputFormat {
    table, json
}
