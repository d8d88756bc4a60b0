package dev.immunity.server.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.immunity.core.json.InvalidEventException;
import dev.immunity.core.json.Json;
import dev.immunity.core.json.WireFormat;
import dev.immunity.core.model.Apv;
import dev.immunity.core.synth.ApvCompletion;
import dev.immunity.core.synth.PatchLifecycle;
import dev.immunity.core.synth.PatchStep;
import dev.immunity.server.EventIngress;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * {@code POST /api/test/trigger-apv}: builds a full APV from whatever the caller gave (at least
 * {@code cve_id}; a complete APV in the producers' format is taken as is) and sends it through the
 * same path as real events. With {@code ?simulate_patch=true} its patch lifecycle follows. Every APV it
 * makes has {@code source_feed} {@value Apv#TRIGGER_SOURCE_FEED}, whatever the caller sent, and a CVE whose
 * APV came from a real source (Kafka, Redis, embedding code) is refused with 409: the trigger never overwrites it.
 */
public final class TriggerService implements HttpService {
    private final EventIngress ingress;
    private final dev.immunity.core.store.EventStore store;
    private final ScheduledExecutorService scheduler;
    /** {@code ratePerSecond} sustained, bursts up to twice that. */
    private final TokenBucket limiter;
    private final long maxRequestBytes;
    private final InstantSource clock;
    private static final System.Logger LOG = System.getLogger(TriggerService.class.getName());
    private final RandomGenerator random = RandomGenerator.of("L64X128MixRandom");

    /**
     * @param store           where a CVE's current APV is looked up: one from a real source is never replaced
     * @param maxRequestBytes the largest body (the largest APV accepted); 413 beyond
     */
    public TriggerService(EventIngress ingress, dev.immunity.core.store.EventStore store,
                          ScheduledExecutorService scheduler, int ratePerSecond, long maxRequestBytes, InstantSource clock) {
        this.store = store;
        this.ingress = ingress;
        this.scheduler = scheduler;
        this.limiter = new TokenBucket(ratePerSecond, Math.max(1, 2.0 * ratePerSecond), clock);
        this.maxRequestBytes = maxRequestBytes;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/trigger-apv", this::trigger);
    }

    private void trigger(ServerRequest req, ServerResponse res) {
        if (!limiter.tryTake(1)) {
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
                full = ApvCompletion.complete((ObjectNode) body.deepCopy(), clock, random);
            }
            full.put("source_feed", Apv.TRIGGER_SOURCE_FEED); // always: downstream consumers must be able to drop it
            apv = WireFormat.parseApv(full);
        } catch (InvalidEventException e) {
            throw new BadRequestException(e.getMessage(), e.field());
        }
        var existing = store.apv(apv.cveId());
        if (existing.isPresent() && !Apv.TRIGGER_SOURCE_FEED.equals(existing.get().sourceFeed())) {
            throw new BadRequestException(Status.CONFLICT_409, apv.cveId() + " came from the real pipeline ("
                    + "source_feed " + (existing.get().sourceFeed() == null ? "unset" : "set") + "): the trigger never"
                    + " replaces it; use a test id such as CVE-2099-0001", "cve_id");
        }
        Map<String, Object> outcome;
        try {
            outcome = ingress.submit(apv).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BadRequestException(Status.SERVICE_UNAVAILABLE_503, "interrupted", null);
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(System.Logger.Level.WARNING, "trigger could not publish " + apv.cveId() + ": " + e);
            throw new BadRequestException(Status.SERVICE_UNAVAILABLE_503,
                    "could not publish the APV: the event source (Kafka) is unavailable; try again", null);
        }
        boolean sent = !"duplicate".equals(outcome.get("status"));
        if (simulate && sent) {
            List<PatchStep> plan;
            synchronized (random) {
                plan = PatchLifecycle.plan(apv, random);
            }
            for (PatchStep step : plan) {
                scheduler.schedule(() -> ingress.submit(step.patch().withStatus(step.patch().status(), clock.instant())),
                        step.delay().toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        Map<String, Object> answer = new LinkedHashMap<>(outcome);
        answer.put("cve_id", apv.cveId());
        answer.put("simulate_patch", simulate && sent);
        answer.put("apv", apv);
        res.status(sent ? Status.ACCEPTED_202 : Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, HttpMediaTypes.JSON_UTF_8.text());
        res.send(Json.write(answer).getBytes(StandardCharsets.UTF_8));
    }
}
