package dev.immunity.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SanitizerTest {

    @Test
    void everyC0Control_isEscaped() {
        for (char c = 0; c < 0x20; c++) {
            String out = Sanitizer.escape("a" + c + "b");
            assertThat(out).as("U+%04X", (int) c).startsWith("a\\").endsWith("b").doesNotContain(String.valueOf(c));
        }
        assertThat(Sanitizer.escape("\u001b[2J")).isEqualTo("\\e[2J");
        assertThat(Sanitizer.escape("\r\n\t\b\u0007\u0000")).isEqualTo("\\r\\n\\t\\b\\x07\\x00");
    }

    @Test
    void del_andEveryC1Control_areEscaped() {
        assertThat(Sanitizer.escape("\u007f")).isEqualTo("\\x7f");
        for (char c = 0x80; c <= 0x9f; c++) {
            assertThat(Sanitizer.escape(String.valueOf(c))).isEqualTo(String.format("\\u%04x", (int) c));
        }
    }

    @Test
    void bidiOverridesIsolatesAndMarks_areEscaped() {
        String all = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c";
        assertThat(Sanitizer.escape(all)).isEqualTo(
                "\\u202a\\u202b\\u202c\\u202d\\u202e\\u2066\\u2067\\u2068\\u2069\\u200e\\u200f\\u061c");
        assertThat(Sanitizer.escape("\u2028\u2029")).isEqualTo("\\u2028\\u2029");
    }

    @Test
    void terminalAttacks_becomeVisibleText() {
        assertThat(Sanitizer.escape("\u001b]52;c;ZXZpbA==\u0007")).isEqualTo("\\e]52;c;ZXZpbA==\\x07");
        assertThat(Sanitizer.escape("\u001b]8;;https://evil/\u0007x\u001b]8;;\u0007")).isEqualTo("\\e]8;;https://evil/\\x07x\\e]8;;\\x07");
        assertThat(Sanitizer.escape("\u001b]0;owned\u0007")).isEqualTo("\\e]0;owned\\x07");
        assertThat(Sanitizer.escape("\u009b2J")).isEqualTo("\\u009b2J"); // 8-bit CSI
    }

    @Test
    void ordinaryText_accentsCjkAndEmoji_areKept() {
        String s = "Ação 漏洞 🔥 path\\to \"quoted\" <b>";
        assertThat(Sanitizer.escape(s)).isEqualTo(s);
    }

    @Test
    void loneSurrogates_areEscaped_pairsKept() {
        assertThat(Sanitizer.escape("x\ud83dy")).isEqualTo("x\\ud83dy");
        assertThat(Sanitizer.escape("\ud83d\udd25")).isEqualTo("\ud83d\udd25");
    }

    @Test
    void null_isEmpty() {
        assertThat(Sanitizer.escape(null)).isEmpty();
    }
}
