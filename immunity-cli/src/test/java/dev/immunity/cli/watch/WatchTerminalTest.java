package dev.immunity.cli.watch;

import dev.immunity.cli.CliContext;
import dev.immunity.cli.ImmunityCli;
import dev.immunity.cli.TestApvs;
import dev.immunity.server.ImmunityServer;
import dev.immunity.server.config.ServerSettings;
import org.jline.terminal.Attributes;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.ExternalTerminal;
import org.jline.utils.ScreenTerminal;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code immunity watch} in a virtual terminal: JLine's external terminal over piped streams (keys in,
 * bytes out) at a fixed 100×30, and JLine's {@link ScreenTerminal} (a VT100 emulator) to see what the
 * bytes draw.
 */
class WatchTerminalTest {
    private static final int COLS = 100;
    private static final int ROWS = 30;

    private final ByteArrayOutputStream written = new ByteArrayOutputStream();

    @Test
    void eventsAreDrawn_jSelects_enterOpensTheDetail_qQuits_andTheTerminalIsRestored() throws Exception {
        try (ImmunityServer server = ImmunityServer.start(ServerSettings.forTests());
             PipedOutputStream keys = new PipedOutputStream()) {
            server.stream().publish(TestApvs.apv("CVE-2024-50379", "high", "inventory-service"));
            server.stream().publish(TestApvs.apv("CVE-2024-11111", "high", "billing", "Old finding", 7.5,
                    java.time.Instant.now().minus(java.time.Duration.ofDays(40))));
            var atClose = new java.util.concurrent.atomic.AtomicReference<Attributes>();
            Terminal terminal = terminal(keys, atClose);
            Attributes before = new Attributes(terminal.getAttributes());
            assertThat(before.getLocalFlag(Attributes.LocalFlag.ICANON)).isTrue();
            StringWriter err = new StringWriter();
            CompletableFuture<Integer> code = watch(server, terminal, err);

            // The snapshot is drawn, then a live event arrives and is drawn on top.
            awaitScreen(s -> s.contains("CVE-2024-50379") && s.contains("● connected"));
            server.stream().publish(TestApvs.apv("CVE-2025-0042", "critical", "payments",
                    "Live event with \u001b]0;a title\u0007 inside", 9.8, java.time.Instant.now()));
            String screen = awaitScreen(s -> s.contains("CVE-2025-0042"));
            assertThat(rowOf(screen, "CVE-2025-0042")).isLessThan(rowOf(screen, "CVE-2024-50379"));
            // The SLA column: the critical APV just detected has its 7 days left, the high one its 30.
            assertThat(screen).contains("SLA");
            assertThat(screen.split("\n")[rowOf(screen, "CVE-2025-0042")]).contains(" 6d23h ");
            assertThat(screen.split("\n")[rowOf(screen, "CVE-2024-50379")]).contains(" 29d23h ");
            assertThat(screen).contains("Live event with \\e]0;a title");
            assertThat(inverseAt(rowOf(screen, "CVE-2025-0042"))).isTrue();

            // The APV detected 40 days ago is past its 30-day SLA: overdue in its row, counted in the header.
            screen = awaitScreen(s -> s.contains("SLA breached 1"));
            assertThat(screen.split("\n")[rowOf(screen, "CVE-2024-11111")]).contains("-10d");

            // j selects the next row.
            type(keys, "j");
            awaitScreen(s -> inverseAt(rowOf(s, "CVE-2024-50379")) && !inverseAt(rowOf(s, "CVE-2025-0042")));

            // Enter opens its full detail.
            type(keys, "\r");
            // wait for the whole detail view, footer included: a screen caught mid-draw has only part of it
            screen = awaitScreen(s -> s.contains("─ CVE-2024-50379 ─") && s.contains("SUMMARY") && s.contains("j/k scroll  esc back  q quit"));
            assertThat(screen).contains("SERVICES      inventory-service", "j/k scroll  esc back  q quit");

            // q quits, with exit code 0, and the terminal is as it was.
            type(keys, "q");
            assertThat(code.get(20, TimeUnit.SECONDS)).isZero();
            String bytes = written();
            int entered = bytes.indexOf("\u001b[?1049h");
            int left = bytes.lastIndexOf("\u001b[?1049l");
            assertThat(entered).as("alternate screen entered").isGreaterThanOrEqualTo(0);
            assertThat(left).as("alternate screen left, after everything drawn").isGreaterThan(entered);
            assertThat(bytes.lastIndexOf("\u001b[?25h")).as("cursor shown again").isGreaterThan(entered);
            Attributes after = atClose.get();
            assertThat(after).as("terminal closed by the app").isNotNull();
            assertThat(after.getLocalFlag(Attributes.LocalFlag.ICANON)).as("raw mode left").isTrue();
            assertThat(after.getLocalFlag(Attributes.LocalFlag.ECHO)).isTrue();
            assertThat(after.getLocalFlags()).isEqualTo(before.getLocalFlags());
            assertThat(after.getInputFlags()).isEqualTo(before.getInputFlags());
            assertThat(err.toString()).isEmpty();
            // No raw control from the untrusted summary ever reached the terminal.
            assertThat(bytes).doesNotContain("\u001b]0;a title");
        }
    }

    @Test
    void theDetailShowsEachPatchDiff_colouredAndScrollable_withHostileTextEscaped() throws Exception {
        try (ImmunityServer server = ImmunityServer.start(ServerSettings.forTests());
             PipedOutputStream keys = new PipedOutputStream()) {
            server.stream().publish(TestApvs.apv("CVE-2024-50379", "high", "inventory-service"));
            String diff = "diff --git a/requirements.txt b/requirements.txt\n--- a/requirements.txt\n+++ b/requirements.txt\n"
                    + "@@ -3,3 +3,3 @@\n flask==3.0.3\n-tomcat-lib==9.0.97\n+tomcat-lib==9.0.98\n"
                    + "+# \u001b]0;pwned\u0007 <img src=x onerror=alert(1)>\n";
            dev.immunity.core.model.Patch patch = TestApvs.patch("CVE-2024-50379", "applied", java.time.Instant.now())
                    .withDiff(dev.immunity.core.model.PatchDiff.of(diff));
            server.stream().publish(patch);
            Terminal terminal = terminal(keys, new java.util.concurrent.atomic.AtomicReference<>());
            CompletableFuture<Integer> code = watch(server, terminal, new StringWriter());

            awaitScreen(s -> s.contains("CVE-2024-50379") && s.contains("● connected"));
            type(keys, "\r");
            String top = awaitScreen(s -> s.contains("j/k scroll")).split("\n")[2];
            // The diffs are below the APV's own detail: page down to them.
            String screen = screen();
            for (int page = 0; page < 10 && !screen.contains("+tomcat-lib==9.0.98"); page++) {
                String before = screen.split("\n")[2];
                type(keys, " ");
                screen = awaitScreen(s -> !s.split("\n")[2].equals(before) || s.contains("+tomcat-lib==9.0.98"));
            }
            assertThat(screen).contains("DIFF " + patch.patchId() + "  8 lines", "@@ -3,3 +3,3 @@", "-tomcat-lib==9.0.97",
                    "+# \\e]0;pwned\\x07 <img src=x onerror=alert(1)>");
            int added = rowOf(screen, "+tomcat-lib==9.0.98");
            int removed = rowOf(screen, "-tomcat-lib==9.0.97");
            assertThat(foregroundAt(added, "+tomcat-lib")).isNotEqualTo(foregroundAt(removed, "-tomcat-lib"));
            assertThat(written()).doesNotContain("\u001b]0;pwned");

            // Scrolled: g goes back to the top.
            assertThat(screen.split("\n")[2]).isNotEqualTo(top);
            type(keys, "g");
            awaitScreen(s -> s.split("\n")[2].equals(top));
            type(keys, "q");
            assertThat(code.get(20, TimeUnit.SECONDS)).isZero();
        }
    }

    /** A terminal on {@code keys} drawing into {@link #written}; {@code atClose} gets its modes when the app closes it. */
    private Terminal terminal(PipedOutputStream keys, java.util.concurrent.atomic.AtomicReference<Attributes> atClose)
            throws java.io.IOException {
        Terminal terminal = new ExternalTerminal("test", "xterm-256color", new PipedInputStream(keys), synchronizedOut(),
                StandardCharsets.UTF_8) {
            @Override
            protected void doClose() throws java.io.IOException {
                atClose.set(new Attributes(attributes));
                super.doClose();
            }
        };
        terminal.setSize(new Size(COLS, ROWS));
        return terminal;
    }

    /** Runs {@code immunity watch} against the server on that terminal. */
    private static CompletableFuture<Integer> watch(ImmunityServer server, Terminal terminal, StringWriter err) {
        CliContext context = new CliContext(CliContext.defaultHttp(), () -> terminal, true, false, Clock.systemUTC(),
                Duration.ofMillis(50), Duration.ofMillis(200), java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "immunity-test-config"));
        var cli = ImmunityCli.commandLine(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), context);
        return CompletableFuture.supplyAsync(() -> cli.execute("watch", "--server", "http://127.0.0.1:" + server.port()));
    }

    /** The foreground colour of the cell where {@code text} starts on a row. */
    private int foregroundAt(int row, String text) {
        String line = screen().split("\n")[row];
        int col = line.indexOf(text);
        return ScreenTerminal.cellForeground(cells[row * COLS + col]);
    }

    private java.io.OutputStream synchronizedOut() {
        return new java.io.OutputStream() {
            @Override
            public void write(int b) {
                synchronized (written) {
                    written.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (written) {
                    written.write(b, off, len);
                }
            }
        };
    }

    private String written() {
        synchronized (written) {
            return written.toString(StandardCharsets.UTF_8);
        }
    }

    private long[] cells;

    /** Replays everything written so far on a fresh emulated screen; returns its text. */
    private String screen() {
        ScreenTerminal vt = new ScreenTerminal(COLS, ROWS);
        vt.write(written());
        long[] c = new long[COLS * ROWS];
        vt.dump(c, new int[2]);
        cells = c;
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < ROWS; r++) {
            for (int col = 0; col < COLS; col++) {
                int cp = ScreenTerminal.cellCodePoint(c[r * COLS + col]);
                sb.appendCodePoint(cp == 0 ? ' ' : cp);
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private boolean inverseAt(int row) {
        return row >= 0 && ScreenTerminal.cellInverse(cells[row * COLS + 2]);
    }

    private static int rowOf(String screen, String needle) {
        var lines = screen.split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(needle)) {
                return i;
            }
        }
        return -1;
    }

    private String awaitScreen(Predicate<String> ready) {
        return org.awaitility.Awaitility.await("the screen").atMost(java.time.Duration.ofSeconds(20))
                .pollInterval(java.time.Duration.ofMillis(25)).until(this::screen, ready::test);
    }

    private static void type(PipedOutputStream keys, String s) throws java.io.IOException {
        keys.write(s.getBytes(StandardCharsets.UTF_8));
        keys.flush();
    }
}
