package dev.immunity.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.server.config.ServerSettings;
import dev.immunity.server.support.Fixtures;
import dev.immunity.server.support.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpResponse;
import java.util.List;

import static dev.immunity.server.support.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

/** The REST API, the trigger, the page and the observe endpoints against the real server. */
class RestApiTest {
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = new TestServer(ServerSettings.forTests());
        var stream = server.server.stream();
        stream.publish(Fixtures.apv("CVE-2025-0001", "critical", List.of("payments-api")));
        stream.publish(Fixtures.apv("CVE-2025-0002", "low", List.of("search")));
        stream.publish(Fixtures.apv("CVE-2025-0003", "high", List.of("payments-api", "auth-service")));
        stream.publish(Fixtures.patch("CVE-2025-0001", "merged"));
        stream.publish(Fixtures.patch("CVE-2025-0003", "validating"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static void assertJsonError(HttpResponse<String> r, int status, String mentions) {
        assertThat(r.statusCode()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("json"));
        JsonNode body = json(r);
        assertThat(body.path("status").asInt()).isEqualTo(status);
        assertThat(body.path("error").asText()).containsIgnoringCase(mentions);
        assertThat(r.body()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void apvs_listsNewestFirst_withTheCursorHeader() {
        HttpResponse<String> r = server.get("/api/adaptive-immunity/apvs");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("X-Immunity-Cursor")).isPresent();
        List<String> ids = json(r).findValuesAsText("cve_id").stream().filter(s -> s.startsWith("CVE-2025-000")).toList();
        assertThat(ids).containsSubsequence("CVE-2025-0003", "CVE-2025-0002", "CVE-2025-0001");
    }

    @Test
    void apvs_filtersByPriorityAndService_andCapsTheLimit() {
        JsonNode critical = json(server.get("/api/adaptive-immunity/apvs?priority=critical"));
        assertThat(critical.findValuesAsText("priority")).containsOnly("critical");
        JsonNode payments = json(server.get("/api/adaptive-immunity/apvs?service=auth-service"));
        assertThat(payments).hasSize(1);
        assertThat(payments.get(0).path("cve_id").asText()).isEqualTo("CVE-2025-0003");
        assertThat(json(server.get("/api/adaptive-immunity/apvs?limit=1"))).hasSize(1);
        assertThat(server.get("/api/adaptive-immunity/apvs?limit=100000").statusCode()).isEqualTo(200);
    }

    /** Answers are kept per query while nothing changes: a new or updated APV must show at once. */
    @Test
    void apvs_repeatedQuery_seesEveryChangeAtOnce() {
        String path = "/api/adaptive-immunity/apvs?limit=500&priority=high";
        HttpResponse<String> first = server.get(path);
        assertThat(server.get(path).body()).isEqualTo(first.body());

        server.server.stream().publish(Fixtures.apv("CVE-2025-0777", "high", List.of("cache-check")));
        HttpResponse<String> second = server.get(path);
        assertThat(json(second).findValuesAsText("cve_id")).contains("CVE-2025-0777");
        assertThat(second.headers().firstValue("X-Immunity-Cursor"))
                .isNotEqualTo(first.headers().firstValue("X-Immunity-Cursor"));

        var changed = Fixtures.apvJson("CVE-2025-0777", "high", List.of("cache-check"));
        changed.put("summary", "Updated summary: the fix is in 2.0.2");
        server.server.stream().publish(dev.immunity.core.json.WireFormat.parseApv(changed));
        assertThat(server.get(path).body()).contains("Updated summary: the fix is in 2.0.2");
        assertThat(server.get("/api/adaptive-immunity/apvs?limit=500&priority=critical").body())
                .doesNotContain("CVE-2025-0777");
    }

    @Test
    void apvs_isGzipped_onlyForClientsThatAcceptIt() throws Exception {
        String path = "/api/adaptive-immunity/apvs?limit=500";
        HttpResponse<String> plain = server.get(path);
        assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();

        HttpResponse<byte[]> gz = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(server.http(path)).header("Accept-Encoding", "br, gzip;q=0.8").build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(gz.headers().firstValue("Content-Encoding")).hasValue("gzip");
        assertThat(gz.headers().firstValue("Vary")).hasValue("Accept-Encoding");
        try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gz.body()))) {
            assertThat(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(plain.body());
        }
        assertThat(server.get(path, "Accept-Encoding", "gzip;q=0, identity").headers().firstValue("Content-Encoding"))
                .isEmpty();
    }

    @Test
    void apvs_since_returnsOnlyWhatChangedAfterTheCursor() {
        String cursor = server.get("/api/adaptive-immunity/apvs").headers().firstValue("X-Immunity-Cursor").orElseThrow();
        server.server.stream().publish(Fixtures.apv("CVE-2025-0099"));
        JsonNode since = json(server.get("/api/adaptive-immunity/apvs?since=" + cursor));
        assertThat(since.findValuesAsText("cve_id")).containsExactly("CVE-2025-0099");
        assertJsonError(server.get("/api/adaptive-immunity/apvs?since=bogus-1"), 410, "cursor");
    }

    @ParameterizedTest
    @CsvSource({"limit=0, limit", "limit=abc, limit", "priority=urgent, priority", "since=x, since"})
    void apvs_badParameters_answer400NamingTheParameter(String query, String name) {
        HttpResponse<String> r = server.get("/api/adaptive-immunity/apvs?" + query);
        if (query.startsWith("since")) {
            assertJsonError(r, 410, "since");
        } else {
            assertJsonError(r, 400, name);
            assertThat(json(r).path("field").asText()).isEqualTo(name);
        }
    }

    @Test
    void apv_byId_knownUnknownAndMalformed() {
        HttpResponse<String> ok = server.get("/api/adaptive-immunity/apvs/CVE-2025-0001");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(json(ok).path("priority").asText()).isEqualTo("critical");
        assertThat(json(ok).path("processed_at").asText()).endsWith("Z");
        assertJsonError(server.get("/api/adaptive-immunity/apvs/CVE-2099-99999"), 404, "CVE-2099-99999");
        assertJsonError(server.get("/api/adaptive-immunity/apvs/not-a-cve"), 400, "cve_id");
        assertJsonError(server.get("/api/adaptive-immunity/apvs/%3Cscript%3E"), 400, "cve_id");
    }

    @Test
    void patches_filterByStatusAndCve() {
        JsonNode merged = json(server.get("/api/adaptive-immunity/patches?status=merged"));
        assertThat(merged.findValuesAsText("status")).containsOnly("merged");
        assertThat(merged.findValuesAsText("cve_id")).contains("CVE-2025-0001");
        JsonNode byCve = json(server.get("/api/adaptive-immunity/patches?cve_id=CVE-2025-0003"));
        assertThat(byCve).hasSize(1);
        assertJsonError(server.get("/api/adaptive-immunity/patches?status=done"), 400, "status");
    }

    @Test
    void metrics_reflectTheEvents() {
        JsonNode m = json(server.get("/api/adaptive-immunity/metrics"));
        assertThat(m.path("apvs_detected").asLong()).isGreaterThanOrEqualTo(3);
        assertThat(m.path("apvs_confirmed").asLong()).isGreaterThanOrEqualTo(2);
        assertThat(m.path("patches_merged").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(m.path("success_rate").isNumber()).isTrue();
        assertThat(m.path("series").path("apvs_detected")).hasSize(60);
    }

    @Test
    void metrics_onAFreshServer_areNullNotZero() {
        try (TestServer fresh = new TestServer(ServerSettings.forTests())) {
            JsonNode m = json(fresh.get("/api/adaptive-immunity/metrics"));
            assertThat(m.path("apvs_detected").asLong()).isZero();
            assertThat(m.get("mttr_avg_seconds").isNull()).isTrue();
            assertThat(m.get("success_rate").isNull()).isTrue();
            assertThat(m.get("apvs_per_hour").isNull()).isTrue();
        }
    }

    @Test
    void trigger_minimalBody_buildsAFullApv() {
        HttpResponse<String> r = server.trigger("{\"cve_id\": \"CVE-2024-TEST\"}");
        assertThat(r.statusCode()).isEqualTo(202);
        JsonNode apv = json(r).path("apv");
        assertThat(apv.path("cve_id").asText()).isEqualTo("CVE-2024-TEST");
        assertThat(apv.path("affected_packages")).isNotEmpty();
        assertThat(apv.path("summary").asText().length()).isGreaterThanOrEqualTo(10);
        assertThat(server.get("/api/adaptive-immunity/apvs/CVE-2024-TEST").statusCode()).isEqualTo(200);
    }

    @Test
    void trigger_completeProducerApv_isTakenAsIs() {
        var full = Fixtures.apvJson("CVE-2025-7777", "critical", List.of("billing"));
        full.put("summary", "Exactly this summary, kept as given");
        HttpResponse<String> r = server.trigger(full.toString());
        assertThat(r.statusCode()).isEqualTo(202);
        JsonNode stored = json(server.get("/api/adaptive-immunity/apvs/CVE-2025-7777"));
        assertThat(stored.path("summary").asText()).isEqualTo("Exactly this summary, kept as given");
        assertThat(stored.path("affected_services").get(0).asText()).isEqualTo("billing");
    }

    @Test
    void trigger_badInput_getsAClearJsonError_andChangesNothing() {
        int before = server.server.store().apvCount();
        assertJsonError(server.trigger("{\"cve_id\": "), 400, "malformed JSON");
        assertJsonError(server.trigger("{}"), 400, "cve_id");
        assertJsonError(server.trigger("[1,2]"), 400, "JSON object");
        assertJsonError(server.trigger("{\"cve_id\": \"<img src=x onerror=alert(1)>\"}"), 400, "cve_id");
        assertJsonError(server.trigger("{\"cve_id\": \"CVE-2024-1234\", \"priority\": \"urgent\"}"), 400, "priority");
        assertJsonError(server.post("/api/test/trigger-apv", "text/plain", "{\"cve_id\":\"CVE-2024-1234\"}"), 415,
                "application/json");
        String huge = "{\"cve_id\":\"CVE-2024-1234\",\"details\":\"" + "x".repeat(1_100_000) + "\"}";
        assertJsonError(server.trigger(huge), 413, "too large");
        assertThat(server.server.store().apvCount()).isEqualTo(before);
    }

    @Test
    void trigger_overTheRateLimit_answers429() {
        ServerSettings s = ServerSettings.forTests();
        try (TestServer limited = new TestServer(s.withTrigger(new ServerSettings.TriggerSettings(true, 1)))) {
            int tooMany = 0;
            for (int i = 0; i < 10; i++) {
                HttpResponse<String> r = limited.trigger("{\"cve_id\": \"CVE-2024-" + (1000 + i) + "\"}");
                if (r.statusCode() == 429) {
                    tooMany++;
                    assertJsonError(r, 429, "too many");
                    assertThat(r.headers().firstValue("Retry-After")).isPresent();
                }
            }
            assertThat(tooMany).isGreaterThan(0);
        }
    }

    @Test
    void trigger_canBeDisabled() {
        ServerSettings s = ServerSettings.forTests();
        try (TestServer off = new TestServer(s.withTrigger(new ServerSettings.TriggerSettings(false, 10)))) {
            assertThat(off.trigger("{\"cve_id\": \"CVE-2024-TEST\"}").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void page_isServedAtRootAndAdaptiveImmunity_withStrictHeaders() {
        for (String path : List.of("/", "/adaptive-immunity")) {
            HttpResponse<String> r = server.get(path);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("<title>Immunity");
            assertThat(r.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp ->
                    assertThat(csp).contains("script-src 'self'").doesNotContain("unsafe-inline"));
            assertThat(r.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
        }
        assertThat(server.get("/app.js").statusCode()).isEqualTo(200);
    }

    @Test
    void openApi_healthAndPrometheusMetrics_areServed() {
        HttpResponse<String> openapi = server.get("/openapi");
        assertThat(openapi.statusCode()).isEqualTo(200);
        assertThat(openapi.body()).contains("/api/adaptive-immunity/apvs").contains("/api/test/trigger-apv");

        HttpResponse<String> health = server.get("/observe/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(json(health).path("status").asText()).isEqualTo("UP");

        HttpResponse<String> metrics = server.get("/observe/metrics", "Accept", "text/plain");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("immunity_connections").contains("immunity_messages_sent")
                .contains("immunity_slow_client_closes").contains("immunity_events_total{");
    }

    @Test
    void unknownApiPath_isAJson404() {
        assertJsonError(server.get("/api/adaptive-immunity/nothing-here"), 404, "no such endpoint");
    }
}
