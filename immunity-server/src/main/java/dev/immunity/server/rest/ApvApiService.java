package dev.immunity.server.rest;

import dev.immunity.core.json.Json;
import dev.immunity.core.json.WireFormat;
import dev.immunity.core.model.Apv;
import dev.immunity.core.model.Event;
import dev.immunity.core.model.Patch;
import dev.immunity.core.model.PatchStatus;
import dev.immunity.core.store.ApvQuery;
import dev.immunity.core.store.EventStore;
import dev.immunity.core.stream.StreamFilter;
import dev.immunity.core.stream.StreamManager;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpMediaTypes;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The read API under {@code /api/adaptive-immunity}: APVs, one APV, patches, metrics.
 * Every list answer carries the stream cursor it is consistent with in {@code X-Immunity-Cursor}.
 */
public final class ApvApiService implements HttpService {
    /** Response header carrying the stream position a list answer is consistent with. */
    public static final String CURSOR_HEADER = "X-Immunity-Cursor";
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;
    private static final int MAX_CACHED_ANSWERS = 64;
    private static final Header JSON_TYPE = HeaderValues.createCached(HeaderNames.CONTENT_TYPE, HttpMediaTypes.JSON_UTF_8.text());
    private static final Header NO_STORE = HeaderValues.createCached(HeaderNames.CACHE_CONTROL, "no-store");
    private static final Header VARY_ENCODING = HeaderValues.createCached(HeaderNames.VARY, "Accept-Encoding");
    private static final Header GZIP = HeaderValues.createCached(HeaderNames.CONTENT_ENCODING, "gzip");
    /** Smaller list answers go uncompressed: one TCP segment either way. */
    private static final int GZIP_FROM_BYTES = 1400;

    private final EventStore store;
    private final StreamManager stream;

    private final java.util.function.Supplier<Object> metrics;
    /** Encoded {@code /apvs} answers by query, each valid while the store version and cursor are unchanged. */
    private final java.util.concurrent.ConcurrentHashMap<String, Answer> answers = new java.util.concurrent.ConcurrentHashMap<>();

    /** One encoded answer; its gzip form is made on first demand and kept with it. */
    private static final class Answer {
        final long version;
        final String cursor;
        final byte[] body;
        private volatile byte[] gzipped;

        Answer(long version, String cursor, byte[] body) {
            this.version = version;
            this.cursor = cursor;
            this.body = body;
        }

        byte[] gzipped() {
            byte[] g = gzipped;
            if (g == null) {
                g = gzip(body);
                gzipped = g;
            }
            return g;
        }
    }

    public ApvApiService(EventStore store, StreamManager stream) {
        this(store, stream, stream::metrics);
    }

    /**
     * @param metrics what {@code GET /metrics} answers: a {@link dev.immunity.core.model.MetricsSnapshot} or
     *                a JSON tree of one (the copy shared through Redis)
     */
    public ApvApiService(EventStore store, StreamManager stream, java.util.function.Supplier<Object> metrics) {
        this.store = store;
        this.stream = stream;
        this.metrics = metrics;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/apvs", this::listApvs)
                .get("/apvs/{cve_id}", this::getApv)
                .get("/patches", this::listPatches)
                .get("/patches/{patch_id}", this::getPatch)
                .get("/sla", this::sla)
                .get("/metrics", this::metrics);
    }

    private void listApvs(ServerRequest req, ServerResponse res) {
        QueryParams q = new QueryParams(req.query());
        int limit = q.limit("limit", DEFAULT_LIMIT, MAX_LIMIT);
        StreamFilter filter = filter(q);
        String service = q.text("service", 200).orElse(null);
        Optional<String> team = team(q);
        java.util.Set<String> teamServices = team.map(t -> stream.sla().ownership().services(t)).orElse(null);
        String cursor = stream.currentCursor();
        Optional<String> since = q.text("since", 64);
        if (since.isPresent()) {
            List<Apv> apvs;
            List<Event> events = stream.eventsSince(since.get()).orElseThrow(() -> new BadRequestException(
                    Status.GONE_410, "since: cursor cannot be resumed (unknown, from another server run, or older "
                    + "than the history kept); list without since to get the current state", "since"));
            Map<String, Apv> latest = new LinkedHashMap<>();
            for (Event e : events) {
                if (e instanceof Apv apv) {
                    latest.remove(apv.cveId());
                    latest.put(apv.cveId(), apv);
                }
            }
            apvs = new ArrayList<>(latest.values());
            java.util.Collections.reverse(apvs);
            apvs = apvs.stream().filter(a -> filter.matches(a.priority(), a.affectedServices()))
                    .filter(a -> service == null || a.affectedServices().contains(service))
                    .filter(a -> teamServices == null || a.affectedServices().stream().anyMatch(teamServices::contains))
                    .limit(limit).toList();
            json(res, cursor, apvs);
        } else {
            // The list only changes when an event arrives, so the same query gets the same bytes until
            // then. The version is read before the query: an answer is never older than the version it is kept under.
            String key = limit + "|" + filter.priorities() + "|" + service + "|" + team.orElse("");
            long version = store.version();
            Answer a = answers.get(key);
            if (a == null || a.version != version || !java.util.Objects.equals(a.cursor, cursor)) {
                List<Apv> apvs = store.apvs(new ApvQuery(limit, filter.priorities(), service, teamServices));
                a = new Answer(version, cursor, Json.writeBytes(apvs));
                if (answers.size() >= MAX_CACHED_ANSWERS) {
                    answers.clear();
                }
                answers.put(key, a);
            }
            res.header(VARY_ENCODING);
            if (a.body.length >= GZIP_FROM_BYTES && acceptsGzip(req)) {
                res.header(GZIP);
                send(res, a.cursor, a.gzipped());
            } else {
                send(res, a.cursor, a.body);
            }
        }
    }

    private void getApv(ServerRequest req, ServerResponse res) {
        String raw = req.path().pathParameters().get("cve_id");
        String id = raw.strip().toUpperCase(Locale.ROOT);
        if (!WireFormat.isCveId(id)) {
            throw new BadRequestException("cve_id: must look like CVE-YYYY-NNNN", "cve_id");
        }
        Apv apv = store.apv(id).orElseThrow(() ->
                new BadRequestException(Status.NOT_FOUND_404, "no APV with cve_id " + id, "cve_id"));
        var body = (com.fasterxml.jackson.databind.node.ObjectNode) dev.immunity.core.json.Json.tree(apv);
        body.put("owner", stream.sla().ownership().ownerOf(apv.affectedServices()));
        json(res, null, body);
    }

    /** One patch whole: its fields as in lists, and its diff ({@code diff_content}, cut when over the size kept). */
    private void getPatch(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("patch_id").strip();
        if (id.isEmpty() || id.length() > 200) {
            throw new BadRequestException("patch_id: must be 1 to 200 characters", "patch_id");
        }
        Patch patch = store.patch(id).orElseThrow(() -> new BadRequestException(Status.NOT_FOUND_404,
                "no patch with patch_id " + dev.immunity.core.json.WireFormat.quoted(id), "patch_id"));
        json(res, null, withDiff(patch));
    }

    /** A patch's JSON with its diff: {@code diff_content}, {@code diff_truncated}, {@code diff_bytes}, {@code diff_released}. */
    static com.fasterxml.jackson.databind.node.ObjectNode withDiff(Patch patch) {
        var body = (com.fasterxml.jackson.databind.node.ObjectNode) dev.immunity.core.json.Json.tree(patch);
        dev.immunity.core.model.PatchDiff diff = patch.diff();
        body.put("diff_content", diff == null ? null : diff.content());
        body.put("diff_truncated", diff != null && diff.truncated());
        body.put("diff_bytes", diff == null ? null : diff.originalBytes());
        // Lines announced but no text: released to keep the store within its budget (it is in the patches topic).
        body.put("diff_released", diff == null && patch.diffLines() != null);
        return body;
    }

    private void listPatches(ServerRequest req, ServerResponse res) {
        QueryParams q = new QueryParams(req.query());
        int limit = q.limit("limit", DEFAULT_LIMIT, MAX_LIMIT);
        Set<PatchStatus> statuses = new java.util.HashSet<>();
        for (String s : q.all("status")) {
            for (String part : s.split(",")) {
                if (part.isBlank()) {
                    continue;
                }
                PatchStatus st = PatchStatus.fromWire(part);
                if (st == null) {
                    throw new BadRequestException("status: must be one of pending, validating, applied, merged, "
                            + "failed, rolled_back", "status");
                }
                statuses.add(st);
            }
        }
        Optional<String> cve = q.text("cve_id", 64).map(s -> s.toUpperCase(Locale.ROOT));
        if (cve.isPresent() && !WireFormat.isCveId(cve.get())) {
            throw new BadRequestException("cve_id: must look like CVE-YYYY-NNNN", "cve_id");
        }
        Predicate<Patch> match = p -> (statuses.isEmpty() || statuses.contains(p.status()))
                && (cve.isEmpty() || cve.get().equals(p.cveId()));
        json(res, stream.currentCursor(), store.patches(match, limit));
    }

    /** Open APVs against their SLA, the soonest deadline (or most overdue) first; by priority, service and state. */
    private void sla(ServerRequest req, ServerResponse res) {
        QueryParams q = new QueryParams(req.query());
        int limit = q.limit("limit", DEFAULT_LIMIT, MAX_LIMIT);
        StreamFilter filter = filter(q);
        String service = q.text("service", 200).orElse(null);
        Set<dev.immunity.core.sla.SlaState> states = new java.util.HashSet<>();
        for (String s : q.all("state")) {
            for (String part : s.split(",")) {
                if (part.isBlank()) {
                    continue;
                }
                var st = dev.immunity.core.sla.SlaState.fromWire(part);
                if (st == null || !st.isOpen()) {
                    throw new BadRequestException("state: must be one of within, at_risk, breached", "state");
                }
                states.add(st);
            }
        }
        Optional<String> team = team(q);
        json(res, null, stream.slaOpen().stream()
                .filter(s -> filter.matches(s.priority(), s.services()))
                .filter(s -> service == null || s.services().contains(service))
                .filter(s -> team.isEmpty() || team.get().equals(s.owner()))
                .filter(s -> states.isEmpty() || states.contains(s.state()))
                .limit(limit).toList());
    }

    /** The {@code team} parameter: a team of the ownership map (400 when it names none). */
    private Optional<String> team(QueryParams q) {
        Optional<String> team = q.text("team", 200).map(String::strip);
        if (team.isPresent() && !stream.sla().ownership().knows(team.get())) {
            throw new BadRequestException("team: no team " + WireFormat.quoted(team.get())
                    + " in the ownership map (immunity.ownership.file)", "team");
        }
        return team;
    }

    private void metrics(ServerRequest req, ServerResponse res) {
        json(res, null, metrics.get());
    }

    private static StreamFilter filter(QueryParams q) {
        try {
            return StreamFilter.parse(q.all("priority"), List.of());
        } catch (IllegalArgumentException e) {
            throw new BadRequestException(e.getMessage(), "priority");
        }
    }

    /** Whether the client takes gzip ({@code Accept-Encoding: gzip}, not refused with {@code q=0}). */
    static boolean acceptsGzip(ServerRequest req) {
        for (String value : req.headers().values(HeaderNames.ACCEPT_ENCODING)) {
            for (String coding : value.split(",")) {
                String[] parts = coding.strip().split(";");
                if (parts[0].strip().equalsIgnoreCase("gzip")) {
                    return !(parts.length > 1 && parts[1].replace(" ", "").matches("q=0(\\.0*)?"));
                }
            }
        }
        return false;
    }

    private static byte[] gzip(byte[] body) {
        var out = new java.io.ByteArrayOutputStream(body.length / 4);
        try (var gz = new java.util.zip.GZIPOutputStream(out, 8192)) {
            gz.write(body);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void json(ServerResponse res, String cursor, Object body) {
        send(res, cursor, Json.writeBytes(body));
    }

    private static void send(ServerResponse res, String cursor, byte[] json) {
        if (cursor != null) {
            res.header(CURSOR_HEADER, cursor);
        }
        res.header(JSON_TYPE);
        res.header(NO_STORE);
        res.send(json);
    }
}
