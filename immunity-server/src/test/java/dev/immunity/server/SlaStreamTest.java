package dev.immunity.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.server.config.ServerConfig;
import dev.immunity.server.support.TestServer;
import dev.immunity.server.support.WsTestClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static dev.immunity.server.support.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SLA clock on a real server with a 10-second critical SLA: a triggered critical APV goes at risk, then
 * breaches, each reported by its own timer while nothing else happens.
 */
class SlaStreamTest {

    @Test
    void aCriticalApvWithA10sSla_isReportedAtRiskThenBreached_liveAndInRestAndPrometheus() {
        var settings = ServerConfig.load(Map.of("immunity.port", "0", "immunity.host", "127.0.0.1"),
                Map.of("IMMUNITY_SLA_CRITICAL", "10s"));
        try (TestServer server = new TestServer(settings); WsTestClient ws = server.connect()) {
            ws.next("metrics"); // the opening snapshot is over
            var r = server.trigger("{\"cve_id\": \"CVE-2026-10010\", \"priority\": \"critical\"}");
            assertThat(r.statusCode()).isEqualTo(202);
            JsonNode apv = ws.next("apv");
            Instant detected = Instant.parse(apv.path("payload").path("processed_at").asText());

            JsonNode started = ws.next("sla"); // the clock started, with the APV
            assertThat(started.path("payload").path("state").asText()).isEqualTo("within");
            assertThat(started.path("payload").path("seconds_remaining").asLong()).isBetween(8L, 10L);

            JsonNode atRisk = ws.next("sla");
            assertThat(atRisk.path("payload").path("cve_id").asText()).isEqualTo("CVE-2026-10010");
            assertThat(atRisk.path("payload").path("state").asText()).isEqualTo("at_risk");
            assertThat(atRisk.path("payload").path("deadline").asText()).isEqualTo(detected.plusSeconds(10).toString());
            assertThat(Instant.parse(atRisk.path("timestamp").asText())).isAfterOrEqualTo(detected.plusMillis(7_500));

            JsonNode breached = ws.next("sla");
            assertThat(breached.path("payload").path("state").asText()).isEqualTo("breached");
            assertThat(breached.path("payload").path("seconds_remaining").asLong()).isLessThanOrEqualTo(0);
            assertThat(Instant.parse(breached.path("timestamp").asText())).isAfterOrEqualTo(detected.plusSeconds(10));

            JsonNode listed = json(server.get("/api/adaptive-immunity/sla?state=breached"));
            assertThat(listed).hasSize(1);
            assertThat(listed.get(0).path("cve_id").asText()).isEqualTo("CVE-2026-10010");
            assertThat(listed.get(0).path("seconds_overdue").asLong()).isGreaterThanOrEqualTo(0);
            assertThat(json(server.get("/api/adaptive-immunity/sla?state=within"))).isEmpty();
            assertThat(server.get("/api/adaptive-immunity/sla?state=met").statusCode()).isEqualTo(400);

            JsonNode metrics = json(server.get("/api/adaptive-immunity/metrics"));
            assertThat(metrics.path("sla").path("breached").path("critical").asLong()).isEqualTo(1);
            String prometheus = server.get("/observe/metrics", "Accept", "text/plain").body();
            assertThat(prometheus).containsPattern("immunity_sla_breached\\{[^}]*priority=\"critical\"[^}]*} 1\\.0");
            assertThat(prometheus).containsPattern("immunity_apvs_open\\{[^}]*priority=\"critical\"[^}]*} 1\\.0");
        }
    }

    @Test
    void aClientConnectingAfterTheBreach_getsTheStateInItsSnapshot() {
        var settings = ServerConfig.load(Map.of("immunity.port", "0", "immunity.host", "127.0.0.1",
                "immunity.sla.critical", "1s"), Map.of());
        try (TestServer server = new TestServer(settings)) {
            server.trigger("{\"cve_id\": \"CVE-2026-10011\", \"priority\": \"critical\"}");
            dev.immunity.server.support.Await.await("breached", Duration.ofSeconds(10), () ->
                    json(server.get("/api/adaptive-immunity/sla?state=breached")).size() == 1);
            try (WsTestClient ws = server.connect()) {
                JsonNode sla = ws.next("sla");
                assertThat(sla.path("snapshot").asBoolean()).isTrue();
                assertThat(sla.path("payload").path("state").asText()).isEqualTo("breached");
            }
        }
    }

    @Test
    void withAnOwnershipMap_apvsHaveOwners_theTeamFilterSelectsTheirs_andTheMetricsCountByTeam(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path file = dir.resolve("owners.yaml");
        java.nio.file.Files.writeString(file, "teams:\n  payments: [payments-api, checkout]\n  platform: [auth-service]\n");
        var settings = ServerConfig.load(Map.of("immunity.port", "0", "immunity.host", "127.0.0.1",
                "immunity.ownership.file", file.toString()), Map.of());
        try (TestServer server = new TestServer(settings)) {
            var stream = server.server.stream();
            stream.publish(dev.immunity.server.support.Fixtures.apv("CVE-2026-30001", "critical", java.util.List.of("checkout")));
            stream.publish(dev.immunity.server.support.Fixtures.apv("CVE-2026-30002", "high", java.util.List.of("auth-service")));
            stream.publish(dev.immunity.server.support.Fixtures.apv("CVE-2026-30003", "low", java.util.List.of("search")));

            JsonNode all = json(server.get("/api/adaptive-immunity/sla"));
            Map<String, String> owners = new java.util.TreeMap<>();
            all.forEach(s -> owners.put(s.path("cve_id").asText(), s.path("owner").isNull() ? "-" : s.path("owner").asText()));
            assertThat(owners).isEqualTo(Map.of("CVE-2026-30001", "payments", "CVE-2026-30002", "platform",
                    "CVE-2026-30003", "-"));
            assertThat(json(server.get("/api/adaptive-immunity/sla?team=payments")).findValuesAsText("cve_id"))
                    .containsExactly("CVE-2026-30001");
            assertThat(server.get("/api/adaptive-immunity/sla?team=nobody").statusCode()).isEqualTo(400);
            assertThat(json(server.get("/api/adaptive-immunity/apvs/CVE-2026-30002")).path("owner").asText()).isEqualTo("platform");
            assertThat(json(server.get("/api/adaptive-immunity/apvs?team=platform")).findValuesAsText("cve_id"))
                    .containsExactly("CVE-2026-30002");
            JsonNode byTeam = json(server.get("/api/adaptive-immunity/metrics")).path("sla").path("by_team");
            assertThat(byTeam.path("payments").path("open").asLong()).isEqualTo(1);
            assertThat(byTeam.path("platform").path("open").asLong()).isEqualTo(1);

            // On the stream, team=payments is the services payments owns.
            try (WsTestClient ws = server.connect("team=payments")) {
                JsonNode sla = ws.next("sla");
                assertThat(sla.path("payload").path("owner").asText()).isEqualTo("payments");
                stream.publish(dev.immunity.server.support.Fixtures.apv("CVE-2026-30004", "low", java.util.List.of("auth-service")));
                stream.publish(dev.immunity.server.support.Fixtures.apv("CVE-2026-30005", "low", java.util.List.of("payments-api")));
                java.util.List<String> seen = new java.util.ArrayList<>();
                while (!seen.contains("CVE-2026-30005")) {
                    seen.add(ws.next("apv").path("payload").path("cve_id").asText());
                }
                assertThat(seen).containsExactly("CVE-2026-30005"); // not 30004: platform owns auth-service
            }
        }
    }
}
