package dev.immunity.cli.watch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.cli.Formats;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything the dashboard shows, immutable. Changed only by pure functions: {@link #withEnvelope}
 * (a stream message), {@link #withStatus} (the connection), {@link #apply} (a key's action) and
 * {@link #at} (the time); the app owns the only mutable reference.
 *
 * @param apvs     newest first (a later APV for the same CVE replaces the earlier one)
 * @param patches  most recently changed first
 * @param metrics  the latest metrics, or null before the first
 * @param selected the CVE of the selected row, or null for the first visible row
 * @param filterInput what is being typed after {@code /}, or null when not typing
 * @param buffered stream messages received while paused, applied in order on resume
 */
public record DashboardState(
        String server,
        StreamClient.Status connection,
        long eventsReceived,
        Duration lag,
        List<ApvRow> apvs,
        List<PatchRow> patches,
        Metrics metrics,
        String selected,
        Screen screen,
        int detailScroll,
        ViewFilter filter,
        String filterInput,
        boolean paused,
        List<Received> buffered,
        Instant now,
        boolean quit) {

    /** Most APVs and patches kept. */
    public static final int MAX_APVS = 1000;
    public static final int MAX_PATCHES = 500;

    public enum Screen { LIST, DETAIL, HELP }

    /** One APV row: the fields shown, and the whole payload for the detail screen. Text is untrusted. */
    public record ApvRow(String cve, String priority, Double cvss, List<String> services, String summary,
                         Instant detectedAt, JsonNode payload, String slaState, Instant slaDeadline) {
        static ApvRow of(JsonNode p) {
            return new ApvRow(Formats.text(p, "cve_id"), Formats.text(p, "priority"),
                    Formats.number(p.path("cvss"), "base_score"), Formats.strings(p, "affected_services"),
                    Formats.text(p, "summary"), Formats.instant(p, "processed_at"), p, null, null);
        }

        /** This row with the SLA state and deadline an {@code sla} message gave. */
        ApvRow withSla(String state, Instant deadline) {
            return new ApvRow(cve, priority, cvss, services, summary, detectedAt, payload, state, deadline);
        }
    }

    /** One patch row. Text is untrusted. */
    public record PatchRow(String patchId, String cve, String status, String strategy, String prUrl, Instant updatedAt,
                           Integer diffLines) {
        static PatchRow of(JsonNode p) {
            return new PatchRow(Formats.text(p, "patch_id"), Formats.text(p, "cve_id"), Formats.text(p, "status"),
                    Formats.text(p, "strategy"), Formats.text(p, "pr_url"), Formats.instant(p, "updated_at"),
                    p.path("diff_lines").isInt() ? p.path("diff_lines").asInt() : null);
        }
    }

    /** The figures of a metrics message, with the per-minute series behind the sparklines. */
    public record Metrics(Double mttrAvg, Double mttrP50, Double mttrP90, Double successRate, Long apvsPerHour,
                          long detected, long confirmed, long applied, long merged, long failed,
                          List<Double> mttrSeries, List<Double> successSeries, List<Double> detectedSeries,
                          List<Double> appliedSeries, long slaBreached, long slaAtRisk) {
        static Metrics of(JsonNode m) {
            JsonNode s = m.path("series");
            Double perHour = Formats.number(m, "apvs_per_hour");
            return new Metrics(Formats.number(m, "mttr_avg_seconds"), Formats.number(m, "mttr_p50_seconds"),
                    Formats.number(m, "mttr_p90_seconds"), Formats.number(m, "success_rate"),
                    perHour == null ? null : perHour.longValue(), m.path("apvs_detected").asLong(),
                    m.path("apvs_confirmed").asLong(), m.path("patches_applied").asLong(),
                    m.path("patches_merged").asLong(), m.path("patches_failed").asLong(),
                    series(s, "mttr_avg_seconds"), series(s, "success_rate"), series(s, "apvs_detected"),
                    series(s, "patches_applied"), total(m.path("sla").path("breached")),
                    total(m.path("sla").path("at_risk")));
        }

        private static long total(JsonNode byPriority) {
            long n = 0;
            for (JsonNode v : byPriority) {
                n += v.asLong();
            }
            return n;
        }

        private static List<Double> series(JsonNode s, String field) {
            List<Double> out = new ArrayList<>();
            for (JsonNode v : s.path(field)) {
                out.add(v.isNumber() ? v.doubleValue() : null);
            }
            return java.util.Collections.unmodifiableList(out);
        }
    }

    /** A stream message and when it arrived. */
    public record Received(JsonNode envelope, Instant at) {
    }

    public DashboardState {
        apvs = List.copyOf(apvs);
        patches = List.copyOf(patches);
        buffered = List.copyOf(buffered);
    }

    /** Nothing received yet. */
    public static DashboardState initial(String server, Instant now) {
        return new DashboardState(server, new StreamClient.Status(StreamClient.State.CONNECTING, null, 0, null, null),
                0, null, List.of(), List.of(), null, null, Screen.LIST, 0, ViewFilter.NONE, null, false, List.of(), now,
                false);
    }

    // ---- stream -------------------------------------------------------------------------------

    /** A stream message arrived at {@code at}; while paused it is only buffered (and counted). */
    public DashboardState withEnvelope(JsonNode envelope, Instant at) {
        String type = envelope.path("type").asText("");
        boolean event = ("apv".equals(type) || "patch".equals(type)) && !envelope.path("snapshot").asBoolean(false);
        long received = eventsReceived + (event ? 1 : 0);
        if (paused) {
            List<Received> b = new ArrayList<>(buffered);
            b.add(new Received(envelope, at));
            return copy(received, lag, apvs, patches, metrics, selected, screen, detailScroll, filter, filterInput,
                    paused, b, quit);
        }
        return applyEnvelope(envelope, at).withEventsReceived(received);
    }

    private DashboardState withEventsReceived(long n) {
        return copy(n, lag, apvs, patches, metrics, selected, screen, detailScroll, filter, filterInput, paused,
                buffered, quit);
    }

    private DashboardState applyEnvelope(JsonNode envelope, Instant at) {
        String type = envelope.path("type").asText("");
        Instant sent = Formats.instant(envelope, "timestamp");
        Duration newLag = sent == null || at == null ? lag : Duration.between(sent, at).isNegative() ? Duration.ZERO
                : Duration.between(sent, at);
        JsonNode p = envelope.path("payload");
        return switch (type) {
            case "hello" -> "snapshot".equals(p.path("mode").asText())
                    // A snapshot follows: replace what we held (also when a resume failed: recovered false).
                    ? copy(eventsReceived, newLag, List.of(), List.of(), metrics, selected, screen, detailScroll,
                    filter, filterInput, paused, buffered, quit)
                    : copy(eventsReceived, newLag, apvs, patches, metrics, selected, screen, detailScroll, filter,
                    filterInput, paused, buffered, quit);
            case "apv" -> {
                ApvRow row = ApvRow.of(p);
                if (row.cve() == null) {
                    yield this;
                }
                List<ApvRow> next = new ArrayList<>(apvs.size() + 1);
                next.add(row);
                for (ApvRow a : apvs) {
                    if (a.cve().equals(row.cve())) {
                        next.set(0, row.withSla(a.slaState(), a.slaDeadline())); // an update keeps its SLA clock
                    } else if (next.size() < MAX_APVS) {
                        next.add(a);
                    }
                }
                yield copy(eventsReceived, newLag, next, patches, metrics, selected, screen, detailScroll, filter,
                        filterInput, paused, buffered, quit);
            }
            case "patch" -> {
                PatchRow row = PatchRow.of(p);
                if (row.patchId() == null) {
                    yield this;
                }
                List<PatchRow> next = new ArrayList<>(patches.size() + 1);
                next.add(row);
                for (PatchRow x : patches) {
                    if (!x.patchId().equals(row.patchId()) && next.size() < MAX_PATCHES) {
                        next.add(x);
                    }
                }
                yield copy(eventsReceived, newLag, apvs, next, metrics, selected, screen, detailScroll, filter,
                        filterInput, paused, buffered, quit);
            }
            case "sla" -> {
                String cve = Formats.text(p, "cve_id");
                List<ApvRow> next = new ArrayList<>(apvs);
                for (int i = 0; i < next.size(); i++) {
                    if (next.get(i).cve().equals(cve)) {
                        next.set(i, next.get(i).withSla(Formats.text(p, "state"), Formats.instant(p, "deadline")));
                    }
                }
                yield copy(eventsReceived, newLag, next, patches, metrics, selected, screen, detailScroll, filter,
                        filterInput, paused, buffered, quit);
            }
            case "metrics" -> copy(eventsReceived, newLag, apvs, patches, Metrics.of(p), selected, screen,
                    detailScroll, filter, filterInput, paused, buffered, quit);
            default -> copy(eventsReceived, newLag, apvs, patches, metrics, selected, screen, detailScroll, filter,
                    filterInput, paused, buffered, quit);
        };
    }

    /** The connection changed. */
    public DashboardState withStatus(StreamClient.Status status) {
        StreamClient.Status s = status.rttMillis() == null && connection.rttMillis() != null
                ? new StreamClient.Status(status.state(), status.retryAt(), status.attempt(), status.message(), connection.rttMillis())
                : status;
        return new DashboardState(server, s, eventsReceived, lag, apvs, patches, metrics, selected, screen,
                detailScroll, filter, filterInput, paused, buffered, now, quit);
    }

    /** The clock moved (for countdowns). */
    public DashboardState at(Instant time) {
        return new DashboardState(server, connection, eventsReceived, lag, apvs, patches, metrics, selected, screen,
                detailScroll, filter, filterInput, paused, buffered, time, quit);
    }

    // ---- keys ---------------------------------------------------------------------------------

    /** The APVs the list shows: those the filter keeps, newest first. */
    public List<ApvRow> visibleApvs() {
        return filter.isNone() ? apvs : apvs.stream().filter(filter::matches).toList();
    }

    /** Index of the selected row in {@link #visibleApvs()} (0 when none is selected or it is filtered out). */
    public int selectedIndex() {
        List<ApvRow> v = visibleApvs();
        for (int i = 0; i < v.size(); i++) {
            if (v.get(i).cve().equals(selected)) {
                return i;
            }
        }
        return 0;
    }

    /** The selected APV, or null when the list is empty. */
    public ApvRow selectedApv() {
        List<ApvRow> v = visibleApvs();
        return v.isEmpty() ? null : v.get(selectedIndex());
    }

    /**
     * What a key does.
     *
     * @param typed    the characters typed, for {@link Action#TYPE}
     * @param pageRows rows in a page of the current screen
     */
    public DashboardState apply(Action action, String typed, int pageRows) {
        if (filterInput != null) {
            return switch (action) {
                case TYPE -> withFilterInput(filterInput + (typed == null ? "" : typed));
                case ERASE -> withFilterInput(filterInput.isEmpty() ? ""
                        : filterInput.substring(0, filterInput.offsetByCodePoints(filterInput.length(), -1)));
                case ACCEPT -> copy(eventsReceived, lag, apvs, patches, metrics, selected, Screen.LIST, 0,
                        ViewFilter.parse(filterInput), null, paused, buffered, quit);
                case CANCEL -> withFilterInput(null);
                case QUIT -> copy(eventsReceived, lag, apvs, patches, metrics, selected, screen, detailScroll, filter,
                        filterInput, paused, buffered, true);
                default -> this;
            };
        }
        int page = Math.max(1, pageRows);
        return switch (action) {
            case QUIT -> copy(eventsReceived, lag, apvs, patches, metrics, selected, screen, detailScroll, filter,
                    filterInput, paused, buffered, true);
            case HELP -> withScreen(screen == Screen.HELP ? Screen.LIST : Screen.HELP, 0);
            case BACK -> screen == Screen.LIST && !filter.isNone()
                    ? copy(eventsReceived, lag, apvs, patches, metrics, selected, screen, 0, ViewFilter.NONE, null,
                    paused, buffered, quit)
                    : withScreen(Screen.LIST, 0);
            case OPEN -> screen == Screen.LIST && selectedApv() != null ? withScreen(Screen.DETAIL, 0) : this;
            case FILTER -> screen == Screen.LIST ? withFilterInput(filter.text()) : this;
            case PAUSE -> togglePause();
            case UP -> move(-1);
            case DOWN -> move(1);
            case PAGE_UP -> move(-page);
            case PAGE_DOWN -> move(page);
            case TOP -> move(Integer.MIN_VALUE / 2);
            case BOTTOM -> move(Integer.MAX_VALUE / 2);
            default -> this;
        };
    }

    private DashboardState move(int delta) {
        if (screen == Screen.DETAIL) {
            int s = (int) Math.max(0, Math.min(10_000L, (long) detailScroll + delta));
            return withScreen(Screen.DETAIL, s);
        }
        if (screen != Screen.LIST) {
            return this;
        }
        List<ApvRow> v = visibleApvs();
        if (v.isEmpty()) {
            return this;
        }
        int i = (int) Math.max(0, Math.min(v.size() - 1L, (long) selectedIndex() + delta));
        return copy(eventsReceived, lag, apvs, patches, metrics, v.get(i).cve(), screen, detailScroll, filter,
                filterInput, paused, buffered, quit);
    }

    private DashboardState togglePause() {
        if (!paused) {
            return copy(eventsReceived, lag, apvs, patches, metrics, selected, screen, detailScroll, filter,
                    filterInput, true, buffered, quit);
        }
        DashboardState s = copy(eventsReceived, lag, apvs, patches, metrics, selected, screen, detailScroll, filter,
                filterInput, false, List.of(), quit);
        for (Received r : buffered) {
            s = s.applyEnvelope(r.envelope(), r.at());
        }
        return s;
    }

    private DashboardState withScreen(Screen next, int scroll) {
        return copy(eventsReceived, lag, apvs, patches, metrics, selected, next, scroll, filter, filterInput, paused,
                buffered, quit);
    }

    private DashboardState withFilterInput(String input) {
        return copy(eventsReceived, lag, apvs, patches, metrics, selected, screen, detailScroll, filter, input, paused,
                buffered, quit);
    }

    private DashboardState copy(long events, Duration lag, List<ApvRow> apvs, List<PatchRow> patches, Metrics metrics,
                                String selected, Screen screen, int detailScroll, ViewFilter filter, String filterInput,
                                boolean paused, List<Received> buffered, boolean quit) {
        return new DashboardState(server, connection, events, lag, apvs, patches, metrics, selected, screen,
                detailScroll, filter, filterInput, paused, buffered, now, quit);
    }
}
