package dev.immunity.examples.embed;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The example does what its README says. */
class EmbedCoreTest {
    @Test
    void main_printsTheStreamAndTheMetrics() throws Exception {
        PrintStream before = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            EmbedCore.main(new String[0]);
        } finally {
            System.setOut(before);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("stream  hello  snapshot")
                .contains("stream  apv  CVE-2025-31337")
                .contains("patch   merged (redelivery: ignored)")
                .contains("metrics apvs_detected=2 apvs_confirmed=1 patches_applied=1")
                .contains("success_rate=1.00 apvs_per_hour=2")
                .contains("stream  closed 1001");
    }
}
