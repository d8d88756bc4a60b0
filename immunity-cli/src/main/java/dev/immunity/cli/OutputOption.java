package dev.immunity.cli;

import picocli.CommandLine.Option;

/** The {@code -o table|json} option the query commands share (a picocli mixin). */
public final class OutputOption {
    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "table or json (default: ${DEFAULT-VALUE}).")
    OutputFormat format;

    /** Whether the answer is wanted as JSON (for machines) rather than a table. */
    public boolean json() {
        return format == OutputFormat.json;
    }
}
