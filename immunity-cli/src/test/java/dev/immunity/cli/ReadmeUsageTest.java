package dev.immunity.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's CLI section shows each command's real {@code --help}. */
class ReadmeUsageTest {
    @ParameterizedTest
    @ValueSource(strings = {"", "serve", "watch", "trigger", "apvs", "apv", "patches", "patch", "sla", "metrics"})
    void readme_showsTheCurrentHelpOfEachCommand(String command) throws IOException {
        StringWriter out = new StringWriter();
        var cli = ImmunityCli.commandLine(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true));
        int code = command.isEmpty() ? cli.execute("--help") : cli.execute(command, "--help");
        assertThat(code).isZero();
        String readme = Files.readString(Path.of("..", "README.md"));
        assertThat(readme).as("README.md shows `immunity %s --help` as it is now (update the CLI section)", command)
                .contains(out.toString().stripTrailing());
    }
}
