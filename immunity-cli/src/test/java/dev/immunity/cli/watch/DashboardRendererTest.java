package dev.immunity.cli.watch;

import org.jline.utils.AttributedString;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whole screens of a known state at several sizes, compared with the text files under
 * {@code src/test/resources/screens} (trailing spaces trimmed). Run with {@code -DupdateScreens=true}
 * to rewrite them after a deliberate change, then review the diff.
 */
class DashboardRendererTest {
    private final DashboardRenderer renderer = new DashboardRenderer(true);

    @ParameterizedTest(name = "{0}x{1} {2}")
    @CsvSource({"80,24,list", "120,40,list", "40,12,list", "80,24,detail", "40,12,detail", "80,24,help", "20,5,list"})
    void wholeScreen_matchesTheRecordedOne(int width, int height, String view) throws IOException {
        DashboardState s = Screens.known();
        if (view.equals("detail")) {
            // Select the hostile APV (the newest, first row) and open it.
            s = s.apply(Action.OPEN, null, 10);
        } else if (view.equals("help")) {
            s = s.apply(Action.HELP, null, 10);
        }
        List<AttributedString> screen = renderer.render(s, width, height);
        assertThat(screen).hasSize(height);
        for (AttributedString line : screen) {
            assertThat(line.columnLength()).isLessThanOrEqualTo(width);
            // Nothing untrusted reaches the terminal raw: no control character except the renderer's own styles.
            assertThat(line.toString()).doesNotContainPattern("[\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]");
        }
        String actual = String.join("\n", renderer.renderText(s, width, height)) + "\n";
        String name = "screens/" + width + "x" + height + "-" + view + ".txt";
        if (Boolean.getBoolean("updateScreens")) {
            Path p = Path.of("src/test/resources", name);
            Files.createDirectories(p.getParent());
            Files.writeString(p, actual);
        }
        assertThat(actual).isEqualTo(read(name));
    }

    @Test
    void hostileSummary_isShownEscaped_inTheList() {
        String screen = String.join("\n", renderer.renderText(Screens.known(), 200, 30));
        assertThat(screen).contains("Pwn\\e[2J\\e]52;c;ZXZpbA==\\x07\\e]8;;https://evil.example/\\x07click\\e]8;;\\x07\\e]0;owned\\x07 a\\rb\\bc \\u202egnp.exe\\u202c\\u2066x\\u2069");
    }

    @Test
    void noColor_keepsPriorityText_andDrawsNoColours() {
        var plain = new DashboardRenderer(false).render(Screens.known(), 80, 24);
        String ansi = String.join("\n", plain.stream().map(a -> a.toAnsi()).toList());
        assertThat(ansi).doesNotContainPattern("\u001b\\[[0-9;]*3[0-7]m").doesNotContain("38;5;");
        assertThat(String.join("\n", new DashboardRenderer(false).renderText(Screens.known(), 80, 24))).contains("critical", "high", "medium", "low");
        String colored = String.join("\n", renderer.render(Screens.known(), 80, 24).stream().map(a -> a.toAnsi()).toList());
        assertThat(colored).containsPattern("\u001b\\[[0-9;]*3[0-7]");
    }

    @Test
    void sparkline_scalesToTheMaximum_andShowsNoDataAsBlank() {
        assertThat(DashboardRenderer.sparkline(java.util.Arrays.asList(0.0, 1.0, null, 7.0), 10, null)).isEqualTo("▁▂ █");
        assertThat(DashboardRenderer.sparkline(List.of(1.0, 2.0, 3.0), 2, null)).isEqualTo("▆█");
        assertThat(DashboardRenderer.sparkline(List.of(0.5), 5, 1.0)).isEqualTo("▅");
    }

    private static String read(String name) throws IOException {
        try (InputStream in = DashboardRendererTest.class.getClassLoader().getResourceAsStream(name)) {
            assertThat(in).as(name + " (record it with -DupdateScreens=true)").isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
