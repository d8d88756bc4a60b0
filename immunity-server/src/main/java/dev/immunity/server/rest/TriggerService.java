package dev.immunity.server.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.immunity.core.demo.DemoGenerator;
import dev.immunity.core.json.InvalidEventException;
import dev.immunity.core.json.Json;
import dev.immunity.core.json.WireFormat;
import dev.immunity.core.model.Apv;
import dev.immunity.core.stream.StreamManager;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaTypes;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * {@code POST /api/test/trigger-apv}: builds a full APV from whatever the caller gave (at least
 * {@code cve_id}; a complete APV in the producers' format is taken as is) and sends it through the
 * same path as real events. With {@code ?simulate_patch=true} its patch lifecycle follows.
 */
public final class TriggerService implements HttpService {
    private final StreamManager stream;
    private final DemoGenerator lifecycles;
    private final ScheduledExecutorService scheduler;
    private final RateLimiter limiter;
    private final long maxRequestBytes;
    private final InstantSource clock;
    private final RandomGenerator random = RandomGenerator.of("L64X128MixRandom");

    public TriggerService(StreamManager stream, DemoGenerator lifecycles, ScheduledExecutorService scheduler,
                          int ratePerSecond, long maxRequestBytes, InstantSource clock) {
        this.stream = stream;
        this.lifecycles = lifecycles;
        this.scheduler = scheduler;
        this.limiter = new RateLimiter(ratePerSecond, clock);
        this.maxRequestBytes = maxRequestBytes;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/trigger-apv", this::trigger);
    }

    private void trigger(ServerRequest req, ServerResponse res) {
        if (!limiter.tryAcquire()) {
            res.header(HeaderNames.RETRY_AFTER, "1");
            throw new BadRequestException(Status.TOO_MANY_REQUESTS_429, "too many trigger requests: slow down", null);
        }
        boolean simulate = new QueryParams(req.query()).flag("simulate_patch");
        JsonNode body = Bodies.readJson(req, maxRequestBytes);
        if (!body.isObject()) {
            throw new BadRequestException("body must be a JSON object such as {\"cve_id\": \"CVE-2024-TEST\"}", null);
        }
        if (!body.path("cve_id").isTextual()) {
            throw new BadRequestException("cve_id: is required (a string such as CVE-2024-TEST)", "cve_id");
        }
        Apv apv;
        try {
            ObjectNode full;
            synchronized (random) {
                full = DemoGenerator.completeApvJson((ObjectNode) body.deepCopy(), clock, random);
            }
            apv = WireFormat.parseApv(full);
        } catch (InvalidEventException e) {
            throw new BadRequestException(e.getMessage(), e.field());
        }
        boolean sent = stream.broadcastApv(apv);
        if (simulate && sent) {
            synchronized (lifecycles) {
                for (var step : lifecycles.plan(apv)) {
                    scheduler.schedule(() -> stream.broadcastPatch(step.patch().withStatus(step.patch().status(),
                            clock.instant())), step.delay().toMillis(), TimeUnit.MILLISECONDS);
                }
            }
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("status", sent ? "accepted" : "duplicate");
        answer.put("cve_id", apv.cveId());
        answer.put("cursor", stream.currentCursor());
        answer.put("simulate_patch", simulate && sent);
        answer.put("apv", apv);
        res.status(sent ? Status.ACCEPTED_202 : Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, HttpMediaTypes.JSON_UTF_8.text());
        res.send(Json.write(answer).getBytes(StandardCharsets.UTF_8));
    }
}
