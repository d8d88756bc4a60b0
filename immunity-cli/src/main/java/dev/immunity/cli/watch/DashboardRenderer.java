package dev.immunity.cli.watch;

import dev.immunity.cli.ApvCommand;
import dev.immunity.cli.Formats;
import dev.immunity.cli.Sanitizer;
import dev.immunity.cli.Text;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStringBuilder;
import org.jline.utils.AttributedStyle;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * Draws a {@link DashboardState} on a screen of a given size: a pure function from state and size to
 * exactly {@code height} lines of at most {@code width} columns. Every untrusted text goes through the
 * {@link Sanitizer} before it is measured or drawn. From 80×24 up the full layout (header, metrics with
 * sparklines, APV timeline, patches, key hints); smaller, a compact one (header, one metrics line,
 * APVs); below 30×8, a note asking for a bigger terminal.
 */
public final class DashboardRenderer {
    static final String SPARKS = "▁▂▃▄▅▆▇█";
    private static final int MIN_WIDTH = 30;
    private static final int MIN_HEIGHT = 8;

    private final boolean color;

    /** @param color whether to use colour (false with {@code NO_COLOR}); bold and inverse are kept */
    /** Diffs fetched for the detail view, by patch id: lines already made safe for the terminal. */
    private final Map<String, List<String>> diffs;

    public DashboardRenderer(boolean color) {
        this(color, Map.of());
    }

    public DashboardRenderer(boolean color, Map<String, List<String>> diffs) {
        this.diffs = diffs;
        this.color = color;
    }

    /** The screen, as styled lines. */
    public List<AttributedString> render(DashboardState s, int width, int height) {
        List<AttributedString> lines = new ArrayList<>();
        if (width < MIN_WIDTH || height < MIN_HEIGHT) {
            lines.add(plain("immunity: terminal too small"));
            lines.add(plain("(" + width + "x" + height + ", need " + MIN_WIDTH + "x" + MIN_HEIGHT + ")"));
            lines.add(plain("q quit"));
        } else if (s.screen() == DashboardState.Screen.HELP) {
            help(s, width, height, lines);
        } else if (s.screen() == DashboardState.Screen.DETAIL && s.selectedApv() != null) {
            detail(s, width, height, lines);
        } else if (width >= 80 && height >= 24) {
            full(s, width, height, lines);
        } else {
            compact(s, width, height, lines);
        }
        List<AttributedString> out = new ArrayList<>(height);
        for (int i = 0; i < height; i++) {
            AttributedString l = i < lines.size() ? lines.get(i) : AttributedString.EMPTY;
            out.add(l.columnLength() > width ? l.columnSubSequence(0, width) : l);
        }
        return out;
    }

    /** The screen as plain text lines, trailing spaces removed (for tests and the README capture). */
    public List<String> renderText(DashboardState s, int width, int height) {
        return render(s, width, height).stream().map(a -> a.toString().stripTrailing()).toList();
    }

    // ---- layouts ----------------------------------------------------------------------------

    private void full(DashboardState s, int width, int height, List<AttributedString> lines) {
        lines.add(header(s, width, false));
        lines.add(rule("METRICS", width));
        metrics(s, width, lines);
        int rest = height - 11;
        int patchRows = Math.max(3, rest / 3);
        int apvRows = rest - patchRows;
        List<DashboardState.ApvRow> visible = s.visibleApvs();
        lines.add(rule(apvTitle(s, visible), width));
        int summaryWidth = Math.max(10, width - (8 + 2 + 16 + 2 + 8 + 2 + 4 + 2 + 7 + 2 + 16 + 2));
        lines.add(bold(row(width, cell("TIME", 8), cell("CVE", 16), cell("PRIORITY", 8), cell("CVSS", 4),
                cell("SLA", 7), cell("SERVICE", 16), cell("SUMMARY", summaryWidth))));
        apvRows(s, visible, apvRows, width, lines, true);
        lines.add(rule("PATCHES  " + s.patches().size(), width));
        int prWidth = Math.max(10, width - (11 + 2 + 18 + 2 + 16 + 2));
        lines.add(bold(row(width, cell("STATUS", 11), cell("STRATEGY", 18), cell("CVE", 16), cell("PR", prWidth))));
        for (int i = 0; i < patchRows; i++) {
            if (i < s.patches().size()) {
                DashboardState.PatchRow p = s.patches().get(i);
                AttributedStringBuilder b = new AttributedStringBuilder();
                b.style(statusStyle(p.status())).append(Text.fit(esc(p.status()), 11)).style(AttributedStyle.DEFAULT);
                b.append("  ").append(Text.fit(esc(p.strategy()), 18)).append("  ").append(Text.fit(esc(p.cve()), 16))
                        .append("  ").append(Text.truncate(esc(p.prUrl() == null ? "-" : p.prUrl()), prWidth));
                lines.add(b.toAttributedString());
            } else {
                lines.add(i == 0 ? faint("  no patches yet") : AttributedString.EMPTY);
            }
        }
        lines.add(footer(s, width, "j/k select  enter detail  / filter  p pause  ? help  q quit"));
    }

    private void compact(DashboardState s, int width, int height, List<AttributedString> lines) {
        lines.add(header(s, width, true));
        DashboardState.Metrics m = s.metrics();
        lines.add(plain(Text.truncate(m == null ? "metrics: waiting" : "MTTR " + Formats.duration(m.mttrAvg())
                + "  OK " + Formats.percent(m.successRate()) + "  " + (m.apvsPerHour() == null ? "-" : m.apvsPerHour())
                + "/h", width)));
        List<DashboardState.ApvRow> visible = s.visibleApvs();
        lines.add(rule(apvTitle(s, visible), width));
        int summaryWidth = Math.max(4, width - (14 + 2 + 8 + 2));
        lines.add(bold(row(width, cell("CVE", 14), cell("PRIORITY", 8), cell("SUMMARY", summaryWidth))));
        apvRows(s, visible, height - 5, width, lines, false);
        lines.add(footer(s, width, "? help  q quit"));
    }

    private void detail(DashboardState s, int width, int height, List<AttributedString> lines) {
        DashboardState.ApvRow apv = s.selectedApv();
        lines.add(header(s, width, width < 80));
        lines.add(rule(esc(apv.cve()), width));
        List<String> body = new ArrayList<>(ApvCommand.detail(apv.payload(), width));
        List<DashboardState.PatchRow> patches = s.patches().stream().filter(p -> apv.cve().equals(p.cve())).toList();
        body.add("");
        body.add("PATCHES");
        if (patches.isEmpty()) {
            body.add("  none yet");
        }
        for (DashboardState.PatchRow p : patches) {
            body.add("  " + esc(p.status()) + "  " + esc(p.strategy()) + "  " + esc(p.prUrl() == null ? "-" : p.prUrl()));
        }
        int diffFrom = body.size();
        for (DashboardState.PatchRow p : patches) {
            if (p.diffLines() != null && p.diffLines() > 0) {
                body.add("");
                List<String> diff = diffs.get(p.patchId());
                body.add("DIFF " + esc(p.patchId()) + "  " + p.diffLines() + " lines" + (diff == null ? "  (loading)" : ""));
                if (diff != null) {
                    diff.forEach(line -> body.add("  " + line.replace("\t", "    ")));
                }
            }
        }
        int rows = height - 3;
        int scroll = Math.min(s.detailScroll(), Math.max(0, body.size() - rows));
        for (int i = 0; i < rows; i++) {
            int at = scroll + i;
            if (at >= body.size()) {
                lines.add(AttributedString.EMPTY);
                continue;
            }
            String text = Text.truncate(body.get(at), width);
            lines.add(at >= diffFrom ? diffLine(text) : plain(text));
        }
        String where = body.size() > rows ? "  " + (scroll + 1) + "-" + Math.min(body.size(), scroll + rows) + "/" + body.size() : "";
        lines.add(footer(s, width, "j/k scroll  esc back  q quit" + where));
    }

    /** A line of a diff (already escaped), coloured by its kind when colour is on. */
    private AttributedString diffLine(String text) {
        String t = text.startsWith("  ") ? text.substring(2) : text;
        AttributedStyle style = t.startsWith("DIFF ") ? AttributedStyle.BOLD
                : t.startsWith("+++ ") || t.startsWith("--- ") || t.startsWith("diff --git") ? AttributedStyle.BOLD
                : t.startsWith("@@") ? AttributedStyle.DEFAULT.foreground(AttributedStyle.CYAN)
                : t.startsWith("+") ? AttributedStyle.DEFAULT.foreground(AttributedStyle.GREEN)
                : t.startsWith("-") ? AttributedStyle.DEFAULT.foreground(AttributedStyle.RED)
                : AttributedStyle.DEFAULT;
        return color ? new AttributedString(text, style) : plain(text);
    }

    private void help(DashboardState s, int width, int height, List<AttributedString> lines) {
        lines.add(header(s, width, width < 80));
        lines.add(rule("HELP", width));
        String[] help = {
                "j / down     select the next APV (scroll in detail)",
                "k / up       select the previous APV",
                "space / b    page down / up;  g / G  first / last",
                "enter        full detail of the selected APV",
                "esc          back to the list (clears the filter)",
                "/            filter: p:critical s:payments words",
                "p            pause / resume (events are buffered)",
                "?            this help",
                "q / ctrl-c   quit",
                "",
                "Untrusted text is shown escaped: \\e is ESC, \\x07 BEL, \\u202e a bidi override."};
        for (String h : help) {
            lines.add(plain(Text.truncate(h, width)));
        }
        while (lines.size() < height - 1) {
            lines.add(AttributedString.EMPTY);
        }
        lines.add(footer(s, width, "? or esc back  q quit"));
    }

    // ---- parts ------------------------------------------------------------------------------

    private AttributedString header(DashboardState s, int width, boolean compact) {
        StreamClient.Status c = s.connection();
        String state = switch (c.state()) {
            case CONNECTING -> "○ connecting";
            case CONNECTED -> "● connected";
            case RECONNECTING -> "◌ reconnecting in " + countdown(s) + (compact ? "" : " (attempt " + c.attempt()
                    + (c.message() == null ? "" : ": " + esc(c.message())) + ")");
            case FAILED -> "✕ " + esc(c.message());
            case CLOSED -> "○ closed";
        };
        int stateColor = switch (c.state()) {
            case CONNECTED -> AttributedStyle.GREEN;
            case CONNECTING, RECONNECTING -> AttributedStyle.YELLOW;
            default -> AttributedStyle.RED;
        };
        String latency = c.rttMillis() != null ? "rtt " + c.rttMillis() + " ms"
                : s.lag() != null ? "lag " + s.lag().toMillis() + " ms" : "rtt -";
        String paused = s.paused() ? "  PAUSED (" + s.buffered().size() + " buffered)" : "";
        AttributedStringBuilder b = new AttributedStringBuilder();
        AttributedStyle base = AttributedStyle.DEFAULT.inverse();
        b.style(base.bold()).append(" immunity ").style(base);
        if (!compact) {
            b.append(" ").append(esc(s.server())).append("  ");
        }
        b.style(color ? base.foreground(stateColor) : base).append(state).style(base);
        if (compact) {
            b.append("  ").append(String.valueOf(s.eventsReceived())).append(" ev").append(s.paused() ? "  PAUSED" : "");
            slaCounts(s, b, base, true);
        } else {
            // PAUSED first, then the SLA: what matters most when the line is cut.
            b.append(paused);
            slaCounts(s, b, base, false);
            b.append("  ").append(latency).append("  events ").append(String.valueOf(s.eventsReceived()));
        }
        String clock = Formats.time(s.now()) + " UTC ";
        int used = b.columnLength();
        if (!compact && used + clock.length() + 1 <= width) {
            b.append(" ".repeat(width - used - clock.length())).append(clock);
        } else if (used < width) {
            b.append(" ".repeat(width - used));
        }
        AttributedString line = b.toAttributedString();
        return line.columnLength() > width ? line.columnSubSequence(0, width) : line;
    }

    private static String countdown(DashboardState s) {
        if (s.connection().retryAt() == null || s.now() == null) {
            return "-";
        }
        long ms = Math.max(0, Duration.between(s.now(), s.connection().retryAt()).toMillis());
        return ((ms + 999) / 1000) + "s";
    }

    private void metrics(DashboardState s, int width, List<AttributedString> lines) {
        DashboardState.Metrics m = s.metrics();
        int sparkWidth = Math.max(0, Math.min(60, width - (2 + 10 + 2 + 40 + 2)));
        if (m == null) {
            lines.add(faint("  waiting for the first metrics..."));
            lines.add(AttributedString.EMPTY);
            lines.add(AttributedString.EMPTY);
            lines.add(AttributedString.EMPTY);
            return;
        }
        lines.add(metricLine("MTTR", "mean " + Formats.duration(m.mttrAvg()) + "  p50 " + Formats.duration(m.mttrP50())
                + "  p90 " + Formats.duration(m.mttrP90()), m.mttrSeries(), null, sparkWidth));
        lines.add(metricLine("SUCCESS", Formats.percent(m.successRate()) + "  merged " + m.merged() + "  failed "
                + m.failed(), m.successSeries(), 1.0, sparkWidth));
        lines.add(metricLine("APVS/HOUR", m.apvsPerHour() == null ? "-" : String.valueOf(m.apvsPerHour()),
                m.detectedSeries(), null, sparkWidth));
        lines.add(metricLine("PIPELINE", "detected " + m.detected() + "  confirmed " + m.confirmed() + "  applied "
                + m.applied(), m.appliedSeries(), null, sparkWidth));
    }

    /** Breached and at-risk counts from the latest metrics, when there are any. */
    private void slaCounts(DashboardState s, AttributedStringBuilder b, AttributedStyle base, boolean compact) {
        DashboardState.Metrics m = s.metrics();
        if (m == null || m.slaBreached() == 0 && m.slaAtRisk() == 0) {
            return;
        }
        b.append("  ").style(color ? base.foreground(AttributedStyle.RED) : base)
                .append(compact ? m.slaBreached() + " br" : "SLA breached " + m.slaBreached()).style(base)
                .append(" ").style(color ? base.foreground(AttributedStyle.YELLOW) : base)
                .append(compact ? m.slaAtRisk() + " risk" : "at risk " + m.slaAtRisk()).style(base);
    }

    private AttributedString metricLine(String label, String value, List<Double> series, Double scaleMax, int sparkWidth) {
        AttributedStringBuilder b = new AttributedStringBuilder();
        b.append("  ").style(AttributedStyle.BOLD).append(Text.fit(label, 10)).style(AttributedStyle.DEFAULT)
                .append("  ").append(Text.fit(value, 40)).append("  ");
        b.style(color ? AttributedStyle.DEFAULT.foreground(AttributedStyle.CYAN) : AttributedStyle.DEFAULT)
                .append(sparkline(series, sparkWidth, scaleMax));
        return b.toAttributedString();
    }

    /** The last {@code width} values as ▁▂▃▄▅▆▇█ scaled to their maximum (or {@code scaleMax}); null is a space. */
    public static String sparkline(List<Double> values, int width, Double scaleMax) {
        if (width <= 0 || values.isEmpty()) {
            return "";
        }
        List<Double> tail = values.subList(Math.max(0, values.size() - width), values.size());
        double max = scaleMax != null ? scaleMax : tail.stream().filter(v -> v != null).mapToDouble(Double::doubleValue).max().orElse(0);
        StringBuilder sb = new StringBuilder();
        for (Double v : tail) {
            if (v == null) {
                sb.append(' ');
            } else {
                int level = max <= 0 ? 0 : (int) Math.round(Math.max(0, Math.min(1, v / max)) * 7);
                sb.append(SPARKS.charAt(level));
            }
        }
        return sb.toString();
    }

    private static String apvTitle(DashboardState s, List<DashboardState.ApvRow> visible) {
        String shown = s.filter().isNone() ? String.valueOf(s.apvs().size())
                : visible.size() + " of " + s.apvs().size() + "  filter: " + esc(s.filter().text());
        return "APVS  " + shown;
    }

    private void apvRows(DashboardState s, List<DashboardState.ApvRow> visible, int rows, int width,
                         List<AttributedString> lines, boolean full) {
        int selected = s.selectedIndex();
        int top = Math.max(0, Math.min(selected - rows + 1, visible.size() - rows));
        top = Math.max(0, Math.min(top, selected));
        for (int i = 0; i < rows; i++) {
            int at = top + i;
            if (at >= visible.size()) {
                lines.add(i == 0 && visible.isEmpty() ? faint(s.apvs().isEmpty() ? "  waiting for APVs..." : "  nothing matches the filter")
                        : AttributedString.EMPTY);
                continue;
            }
            DashboardState.ApvRow a = visible.get(at);
            boolean sel = at == selected && s.screen() == DashboardState.Screen.LIST;
            AttributedStyle base = sel ? AttributedStyle.DEFAULT.inverse() : AttributedStyle.DEFAULT;
            AttributedStringBuilder b = new AttributedStringBuilder();
            b.style(base);
            String pri = esc(a.priority() == null ? "-" : a.priority().toLowerCase(Locale.ROOT));
            if (full) {
                int summaryWidth = Math.max(10, width - (8 + 2 + 16 + 2 + 8 + 2 + 4 + 2 + 7 + 2 + 16 + 2));
                b.append(Formats.time(a.detectedAt())).append("  ").append(Text.fit(esc(a.cve()), 16)).append("  ");
                b.style(priorityStyle(a.priority(), base)).append(Text.fit(pri, 8)).style(base).append("  ");
                b.append(Text.fitRight(a.cvss() == null ? "-" : String.format(Locale.ROOT, "%.1f", a.cvss()), 4)).append("  ");
                b.style(slaStyle(a, s.now(), base)).append(Text.fitRight(sla(a, s.now()), 7)).style(base).append("  ");
                b.append(Text.fit(esc(a.services().isEmpty() ? "-" : a.services().get(0)), 16)).append("  ");
                b.append(Text.fit(esc(a.summary()), summaryWidth));
            } else {
                int summaryWidth = Math.max(4, width - (14 + 2 + 8 + 2));
                b.append(Text.fit(esc(a.cve()), 14)).append("  ");
                b.style(priorityStyle(a.priority(), base)).append(Text.fit(pri, 8)).style(base).append("  ");
                b.append(Text.fit(esc(a.summary()), summaryWidth));
            }
            lines.add(b.toAttributedString());
        }
    }

    /**
     * An APV's SLA in 7 columns: the time left ({@code 3d04h}, {@code 5h12m}, {@code 42s}), how long overdue with a
     * minus ({@code -2h10m}), {@code met} or {@code missed} once closed, {@code -} before the first {@code sla} message.
     */
    static String sla(DashboardState.ApvRow a, Instant now) {
        if (a.slaState() == null || a.slaDeadline() == null) {
            return "-";
        }
        if (a.slaState().equals("met") || a.slaState().equals("missed")) {
            return a.slaState();
        }
        long left = java.time.Duration.between(now, a.slaDeadline()).toSeconds();
        return (left < 0 ? "-" : "") + compact(Math.abs(left));
    }

    private static String compact(long seconds) {
        long d = seconds / 86_400;
        long h = seconds % 86_400 / 3600;
        long m = seconds % 3600 / 60;
        if (d > 0) {
            return d + "d" + (d < 100 ? String.format(Locale.ROOT, "%02dh", h) : "");
        }
        if (h > 0) {
            return h + "h" + String.format(Locale.ROOT, "%02dm", m);
        }
        return m > 0 ? m + "m" + String.format(Locale.ROOT, "%02ds", seconds % 60) : seconds + "s";
    }

    private AttributedStyle slaStyle(DashboardState.ApvRow a, Instant now, AttributedStyle base) {
        if (!color || a.slaState() == null || a.slaDeadline() == null) {
            return base;
        }
        boolean overdue = !now.isBefore(a.slaDeadline()) && !a.slaState().equals("met");
        return overdue || a.slaState().equals("breached") || a.slaState().equals("missed")
                ? base.foreground(AttributedStyle.RED).bold()
                : a.slaState().equals("at_risk") ? base.foreground(AttributedStyle.YELLOW) : base;
    }

    private AttributedStyle priorityStyle(String priority, AttributedStyle base) {
        if (!color || priority == null) {
            return base.bold();
        }
        return switch (priority.toLowerCase(Locale.ROOT)) {
            case "critical" -> base.foreground(AttributedStyle.RED).bold();
            case "high" -> base.foreground(AttributedStyle.YELLOW).bold();
            case "medium" -> base.foreground(AttributedStyle.CYAN);
            case "low" -> base.foreground(AttributedStyle.GREEN);
            default -> base;
        };
    }

    private AttributedStyle statusStyle(String status) {
        if (!color || status == null) {
            return AttributedStyle.DEFAULT;
        }
        return switch (status) {
            case "merged" -> AttributedStyle.DEFAULT.foreground(AttributedStyle.GREEN);
            case "applied" -> AttributedStyle.DEFAULT.foreground(AttributedStyle.CYAN);
            case "failed", "rolled_back" -> AttributedStyle.DEFAULT.foreground(AttributedStyle.RED);
            default -> AttributedStyle.DEFAULT.foreground(AttributedStyle.YELLOW);
        };
    }

    private AttributedString footer(DashboardState s, int width, String hints) {
        if (s.filterInput() != null) {
            return new AttributedStringBuilder().style(AttributedStyle.BOLD).append("/")
                    .style(AttributedStyle.DEFAULT).append(Text.truncate(esc(s.filterInput()) + "█", width - 1))
                    .toAttributedString();
        }
        return faint(Text.truncate(hints, width));
    }

    private static AttributedString rule(String title, int width) {
        String t = "─ " + title + " ";
        return new AttributedStringBuilder().style(AttributedStyle.BOLD)
                .append(Text.truncate(t, width) + "─".repeat(Math.max(0, width - Text.width(Text.truncate(t, width)))))
                .toAttributedString();
    }

    private static String row(int width, String... cells) {
        return Text.truncate(String.join("  ", cells).stripTrailing(), width);
    }

    private static String cell(String text, int width) {
        return Text.fit(text, width);
    }

    private static AttributedString plain(String s) {
        return new AttributedString(s);
    }

    private static AttributedString bold(String s) {
        return new AttributedString(s, AttributedStyle.BOLD);
    }

    private static AttributedString faint(String s) {
        return new AttributedString(s, AttributedStyle.DEFAULT.faint());
    }

    private static String esc(String s) {
        return Sanitizer.escape(s == null ? "-" : s);
    }
}
