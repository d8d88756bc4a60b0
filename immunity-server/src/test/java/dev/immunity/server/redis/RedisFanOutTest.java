package dev.immunity.server.redis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.immunity.core.redis.RedisSettings;
import dev.immunity.core.redis.RedisStreamSource;
import dev.immunity.server.config.ServerSettings;
import dev.immunity.server.support.TestRedis;
import dev.immunity.server.support.TestServer;
import static dev.immunity.server.support.Await.await;
import dev.immunity.server.support.WsTestClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several server instances sharing one real Redis (a {@code redis-server} started for this class, or the one
 * named by {@code IMMUNITY_TEST_REDIS}), without Kafka: events fan out through a Redis Stream and metrics are
 * shared. Each test has its own stream and metrics keys.
 */
class RedisFanOutTest {
    private static TestRedis redis;

    @BeforeAll
    static void startRedis() {
        redis = TestRedis.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    private static RedisSettings redisSettings() {
        String prefix = "test-" + UUID.randomUUID() + ":";
        return RedisSettings.of(redis.uri()).withStreamKey(prefix + "events").withMetricsKey(prefix + "metrics");
    }

    private static ServerSettings settings(RedisSettings r) {
        return ServerSettings.forTests().withRedis(r);
    }


    private static void awaitLive(TestServer s) {
        await("the Redis stream source is live", Duration.ofSeconds(20),
                () -> s.server.redisSource().orElseThrow().status().ready());
    }

    private static boolean isLiveApv(JsonNode n) {
        return "apv".equals(n.path("type").asText()) && !n.path("snapshot").asBoolean(false);
    }

    private static String cveOf(JsonNode n) {
        return n.path("payload").path("cve_id").asText();
    }

    private static String trigger(TestServer s, String cveId) {
        var r = s.trigger("{\"cve_id\": \"" + cveId + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        return TestServer.json(r).path("status").asText();
    }

    /** The metrics numbers, without the instant they were computed at. */
    private static JsonNode numbers(String json) {
        ObjectNode n = (ObjectNode) dev.immunity.core.json.Json.parse(json).deepCopy();
        n.remove("computed_at");
        ((ObjectNode) n.path("sla")).remove("median_open_age_seconds"); // grows with the clock, like computed_at
        return n;
    }

    private static JsonNode metricsOf(TestServer s) {
        var r = s.get("/api/adaptive-immunity/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        return numbers(r.body());
    }

    /** Live APVs a client receives until it has seen {@code cveId}, in order. */
    private static List<String> liveApvsUntil(WsTestClient c, String cveId) {
        return c.until(n -> isLiveApv(n) && cveOf(n).equals(cveId)).stream()
                .filter(RedisFanOutTest::isLiveApv).map(RedisFanOutTest::cveOf).toList();
    }

    @Test
    void twoInstances_anApvTriggeredOnA_reachesAClientOnB_andMetricsAgree() {
        RedisSettings r = redisSettings();
        try (TestServer a = new TestServer(settings(r)); TestServer b = new TestServer(settings(r))) {
            awaitLive(a);
            awaitLive(b);
            try (WsTestClient onA = a.connect(); WsTestClient onB = b.connect()) {
                onA.next("hello");
                onB.next("hello");
                assertThat(trigger(a, "CVE-2026-60001")).isEqualTo("published");
                assertThat(trigger(b, "CVE-2026-60002")).isEqualTo("published");
                assertThat(liveApvsUntil(onB, "CVE-2026-60002")).containsExactly("CVE-2026-60001", "CVE-2026-60002");
                assertThat(liveApvsUntil(onA, "CVE-2026-60002")).containsExactly("CVE-2026-60001", "CVE-2026-60002");
            }
            await("GET /metrics agrees on both instances", Duration.ofSeconds(10),
                    () -> metricsOf(a).equals(metricsOf(b)) && metricsOf(a).path("apvs_detected").asLong() == 2);
            await("the shared copy in Redis has the same numbers", Duration.ofSeconds(10), () -> {
                String shared = redis.command("GET", r.metricsKey());
                return shared != null && numbers(shared).equals(metricsOf(a));
            });
            long ttlMs = Long.parseLong(redis.command("PTTL", r.metricsKey()).substring(1));
            assertThat(ttlMs).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(5).toMillis());
        }
    }

    @Test
    void aClientThatLeavesA_andResumesOnBWithItsCursor_getsEveryMissedEventOnce() {
        RedisSettings r = redisSettings();
        try (TestServer a = new TestServer(settings(r)); TestServer b = new TestServer(settings(r))) {
            awaitLive(a);
            awaitLive(b);
            String cursor;
            try (WsTestClient onA = a.connect()) {
                onA.next("hello");
                for (int i = 1; i <= 3; i++) {
                    trigger(i % 2 == 0 ? b : a, "CVE-2026-6100" + i);
                }
                List<JsonNode> got = onA.until(n -> isLiveApv(n) && cveOf(n).equals("CVE-2026-61003"));
                cursor = got.getLast().path("cursor").asText();
            }
            List<String> missed = new ArrayList<>();
            for (int i = 4; i <= 8; i++) {
                String cve = "CVE-2026-6100" + i;
                trigger(i % 2 == 0 ? b : a, cve);
                missed.add(cve);
            }
            await("B has read every event", Duration.ofSeconds(10),
                    () -> b.get("/api/adaptive-immunity/apvs/CVE-2026-61008").statusCode() == 200);
            try (WsTestClient onB = WsTestClient.connect(b.ws("cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8)))) {
                JsonNode hello = onB.next();
                assertThat(hello.path("payload").path("mode").asText()).isEqualTo("resume");
                assertThat(hello.path("payload").path("recovered").asBoolean()).isTrue();
                assertThat(liveApvsUntil(onB, "CVE-2026-61008")).containsExactlyElementsOf(missed);
                trigger(a, "CVE-2026-61009");
                assertThat(liveApvsUntil(onB, "CVE-2026-61009")).containsExactly("CVE-2026-61009");
            }
        }
    }

    @Test
    void redisKilledMidStream_localEventsKeepFlowing_restAnswers_healthSaysDown_andAfterRestartInstancesCatchUp() {
        RedisSettings r = redisSettings();
        try (TestServer a = new TestServer(settings(r)); TestServer b = new TestServer(settings(r))) {
            awaitLive(a);
            awaitLive(b);
            String cursorBeforeOutage;
            try (WsTestClient onA = a.connect(); WsTestClient onB = b.connect()) {
                onA.next("hello");
                onB.next("hello");
                trigger(a, "CVE-2026-62001");
                List<JsonNode> first = onA.until(n -> isLiveApv(n) && cveOf(n).equals("CVE-2026-62001"));
                cursorBeforeOutage = first.getLast().path("cursor").asText();
                assertThat(liveApvsUntil(onB, "CVE-2026-62001")).containsExactly("CVE-2026-62001");

                redis.kill();
                try {

                long t0 = System.nanoTime();
                var triggeredOnA = timed(a, "POST", "/api/test/trigger-apv", "{\"cve_id\": \"CVE-2026-62002\"}");
                long triggerMs = (System.nanoTime() - t0) / 1_000_000;
                assertThat(triggeredOnA.statusCode()).isEqualTo(202);
                assertThat(TestServer.json(triggeredOnA).path("status").asText()).isEqualTo("accepted");
                trigger(b, "CVE-2026-62003");
                assertThat(liveApvsUntil(onA, "CVE-2026-62002")).containsExactly("CVE-2026-62002");
                assertThat(liveApvsUntil(onB, "CVE-2026-62003")).containsExactly("CVE-2026-62003");

                long worstMs = 0;
                for (TestServer s : List.of(a, b)) {
                    for (String path : List.of("/api/adaptive-immunity/metrics", "/api/adaptive-immunity/apvs")) {
                        long t = System.nanoTime();
                        assertThat(timed(s, "GET", path, null).statusCode()).isEqualTo(200);
                        worstMs = Math.max(worstMs, (System.nanoTime() - t) / 1_000_000);
                    }
                }
                assertThat(metricsOf(a).path("apvs_detected").asLong()).isEqualTo(2);
                assertThat(metricsOf(b).path("apvs_detected").asLong()).isEqualTo(2);
                await("health shows Redis down on both", Duration.ofSeconds(10),
                        () -> redisCheck(a).path("status").asText().equals("DOWN")
                                && redisCheck(b).path("status").asText().equals("DOWN"));
                assertThat(redisCheck(a).path("data").path("redis").asText()).as(redisCheck(a).toString()).isEqualTo("down");
                System.out.println("[measured] Redis down: trigger answered in " + triggerMs
                        + " ms; slowest GET /metrics or /apvs " + worstMs + " ms");

                } finally {
                    redis.startServer();
                }

                // Each instance gets what the other accepted during the outage, once.
                assertThat(liveApvsUntil(onB, "CVE-2026-62002")).containsExactly("CVE-2026-62002");
                assertThat(liveApvsUntil(onA, "CVE-2026-62003")).containsExactly("CVE-2026-62003");
                await("health shows Redis up on both", Duration.ofSeconds(10),
                        () -> redisCheck(a).path("status").asText().equals("UP")
                                && redisCheck(b).path("status").asText().equals("UP"));
                trigger(b, "CVE-2026-62004");
                assertThat(liveApvsUntil(onA, "CVE-2026-62004")).containsExactly("CVE-2026-62004");
                assertThat(liveApvsUntil(onB, "CVE-2026-62004")).containsExactly("CVE-2026-62004");
                await("metrics agree again, and the shared copy is rewritten", Duration.ofSeconds(10), () -> {
                    String shared = redis.command("GET", r.metricsKey());
                    return metricsOf(a).equals(metricsOf(b)) && metricsOf(a).path("apvs_detected").asLong() == 4
                            && shared != null && numbers(shared).equals(metricsOf(a));
                });
            }
            // A client that left before the outage resumes on either instance and gets everything since, once.
            List<List<String>> resumed = new ArrayList<>();
            for (TestServer s : List.of(a, b)) {
                try (WsTestClient c = WsTestClient.connect(s.ws("cursor="
                        + URLEncoder.encode(cursorBeforeOutage, StandardCharsets.UTF_8)))) {
                    assertThat(c.next().path("payload").path("recovered").asBoolean()).isTrue();
                    resumed.add(liveApvsUntil(c, "CVE-2026-62004"));
                }
            }
            assertThat(resumed.get(0)).containsExactlyInAnyOrder("CVE-2026-62002", "CVE-2026-62003", "CVE-2026-62004")
                    .endsWith("CVE-2026-62004");
            assertThat(resumed.get(1)).isEqualTo(resumed.get(0));
        }
    }

    @Test
    void redisHung_triggersAndRestAnswerWithinTheCommandTimeout_andNothingIsLostOrDoubledWhenItWakes() {
        RedisSettings r = redisSettings();
        try (TestServer a = new TestServer(settings(r)); TestServer b = new TestServer(settings(r))) {
            awaitLive(a);
            awaitLive(b);
            try (WsTestClient onA = a.connect(); WsTestClient onB = b.connect()) {
                onA.next("hello");
                onB.next("hello");
                redis.freeze();
                long triggerMs;
                long worstMs = 0;
                try {
                    long t0 = System.nanoTime();
                    var triggered = timed(a, "POST", "/api/test/trigger-apv", "{\"cve_id\": \"CVE-2026-64001\"}");
                    triggerMs = (System.nanoTime() - t0) / 1_000_000;
                    assertThat(triggered.statusCode()).isEqualTo(202);
                    assertThat(TestServer.json(triggered).path("status").asText()).isEqualTo("accepted");
                    assertThat(liveApvsUntil(onA, "CVE-2026-64001")).containsExactly("CVE-2026-64001");
                    for (int i = 0; i < 3; i++) {
                        for (TestServer s : List.of(a, b)) {
                            for (String path : List.of("/api/adaptive-immunity/metrics", "/observe/health")) {
                                long t = System.nanoTime();
                                timed(s, "GET", path, null);
                                worstMs = Math.max(worstMs, (System.nanoTime() - t) / 1_000_000);
                            }
                        }
                    }
                    await("health shows Redis down on A", Duration.ofSeconds(10),
                            () -> redisCheck(a).path("status").asText().equals("DOWN"));
                } finally {
                    redis.thaw();
                }
                System.out.println("[measured] Redis hung: trigger answered in " + triggerMs
                        + " ms; slowest GET /metrics or /observe/health " + worstMs + " ms");
                assertThat(liveApvsUntil(onB, "CVE-2026-64001")).containsExactly("CVE-2026-64001");
                trigger(a, "CVE-2026-64002");
                assertThat(liveApvsUntil(onA, "CVE-2026-64002")).containsExactly("CVE-2026-64002");
                assertThat(liveApvsUntil(onB, "CVE-2026-64002")).containsExactly("CVE-2026-64002");
                await("metrics agree again", Duration.ofSeconds(10),
                        () -> metricsOf(a).equals(metricsOf(b)) && metricsOf(a).path("apvs_detected").asLong() == 2);
            }
        }
    }

    @Test
    void theSharedMetrics_areRewrittenWhenRedisComesBackEmpty_evenWithNoNewEvent() {
        RedisSettings r = redisSettings();
        try (TestServer a = new TestServer(settings(r))) {
            awaitLive(a);
            trigger(a, "CVE-2026-66001");
            await("the shared copy is written", Duration.ofSeconds(10), () -> redis.command("GET", r.metricsKey()) != null);
            redis.kill();
            redis.startServer();
            long t0 = System.nanoTime();
            await("the shared copy is rewritten after Redis restarted empty", Duration.ofSeconds(10), () -> {
                String shared = redis.command("GET", r.metricsKey());
                return shared != null && numbers(shared).equals(metricsOf(a));
            });
            System.out.println("[measured] shared metrics rewritten " + (System.nanoTime() - t0) / 1_000_000
                    + " ms after Redis restarted empty");
        }
    }

    @Test
    void aRestartedInstance_rebuildsFromTheStream_andServesTheSameMetricsAtOnce() {
        RedisSettings r = redisSettings();
        try (TestServer a = new TestServer(settings(r))) {
            awaitLive(a);
            for (int i = 1; i <= 4; i++) {
                trigger(a, "CVE-2026-6300" + i);
            }
            await("A has read its events and shared its metrics", Duration.ofSeconds(10), () -> {
                String shared = redis.command("GET", r.metricsKey());
                return metricsOf(a).path("apvs_detected").asLong() == 4 && shared != null
                        && numbers(shared).equals(metricsOf(a));
            });
            try (TestServer b = new TestServer(settings(r))) {
                assertThat(metricsOf(b)).isEqualTo(metricsOf(a)); // before or after its rebuild: the same numbers
                awaitLive(b);
                assertThat(metricsOf(b)).isEqualTo(metricsOf(a));
                assertThat(b.get("/api/adaptive-immunity/apvs/CVE-2026-63004").statusCode()).isEqualTo(200);
            }
        }
    }

    private static JsonNode redisCheck(TestServer s) {
        JsonNode health = TestServer.json(timed(s, "GET", "/observe/health", null));
        for (JsonNode c : health.path("checks")) {
            if ("redis".equals(c.path("name").asText())) {
                return c;
            }
        }
        throw new AssertionError("no redis health check in " + health);
    }

    /** A request that must complete within 3 s (the issue asks for answers within 1 s; measured and printed). */
    private static HttpResponse<String> timed(TestServer s, String method, String path, String body) {
        HttpRequest.Builder req = HttpRequest.newBuilder(s.http(path)).timeout(Duration.ofSeconds(3));
        if (body == null) {
            req.GET();
        } else {
            req.method(method, HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        }
        return s.send(req.build());
    }
}
