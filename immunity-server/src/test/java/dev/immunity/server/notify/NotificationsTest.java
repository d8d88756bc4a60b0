package dev.immunity.server.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.immunity.core.json.Json;
import dev.immunity.core.redis.RedisSettings;
import dev.immunity.core.sla.SlaPolicy;
import dev.immunity.server.config.ServerSettings;
import dev.immunity.server.support.Fixtures;
import dev.immunity.server.support.TestRedis;
import dev.immunity.server.support.TestServer;
import dev.immunity.server.support.WsTestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

import static dev.immunity.server.support.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Notifications against a real HTTP receiver on loopback, started by the test (the JDK's HTTP server). */
class NotificationsTest {
    private static final String HOSTILE = "<!channel> see [the fix](https://evil.example) <https://evil.example|here> "
            + "*now* \u001b[31mred\u001b]0;title\u0007 \u202egnp.exe";

    /** What the receiver got: path, headers, body and when (nanoTime). */
    record Received(String path, Map<String, List<String>> headers, byte[] body, long atNanos) {
        JsonNode json() {
            return Json.parse(body);
        }

        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(e -> e.getValue().get(0))
                    .findFirst().orElse(null);
        }
    }

    private HttpServer receiver;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    /** The status to answer the n-th request to a path (0-based), or null for 200; a negative status hangs. */
    private volatile Function<Integer, Integer> script = n -> null;
    private volatile Map<String, String> extraHeaders = Map.of();
    private final CountDownLatch hang = new CountDownLatch(1);

    @BeforeEach
    void startReceiver() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        receiver.createContext("/", this::handle);
        receiver.start();
    }

    @AfterEach
    void stopReceiver() {
        hang.countDown();
        receiver.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        int n = (int) received.stream().filter(r -> r.path().equals(ex.getRequestURI().getPath())).count();
        received.add(new Received(ex.getRequestURI().getPath(), Map.copyOf(ex.getRequestHeaders()), body, System.nanoTime()));
        Integer status = script.apply(n);
        if (status != null && status < 0) {
            try {
                hang.await(); // never answers while the test runs
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        int code = status == null || status < 0 ? 200 : status;
        extraHeaders.forEach((k, v) -> ex.getResponseHeaders().add(k, v));
        ex.sendResponseHeaders(code, -1);
        ex.close();
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + path);
    }

    private NotifySettings.Route route(String name, NotifySettings.Format format, String secret,
                                       Set<NotifySettings.Event> events) {
        return new NotifySettings.Route(name, url("/" + name), format, secret, events, Set.of(), Set.of(), Set.of());
    }

    /** Fast delivery for tests: 50 ms first retry, 100 ms digest window, no minimum interval to speak of. */
    private static NotifySettings fast(NotifySettings.Route... routes) {
        return new NotifySettings(List.of(routes), Duration.ofSeconds(5), 5, Duration.ofMillis(50),
                Duration.ofMillis(100), Duration.ofMillis(1), 100);
    }

    private List<Received> at(String path) {
        return received.stream().filter(r -> r.path().equals("/" + path)).toList();
    }

    @Test
    void eachFormatHasItsShape_theGenericOneIsSigned_andAHostileSummaryArrivesNeutralised() throws Exception {
        var all = EnumSet.of(NotifySettings.Event.APV);
        var settings = ServerSettings.forTests().withNotifications(fast(route("slack", NotifySettings.Format.SLACK, null, all),
                route("teams", NotifySettings.Format.TEAMS, null, all),
                route("generic", NotifySettings.Format.GENERIC, "s3cret", all)));
        try (TestServer server = new TestServer(settings)) {
            var apv = Fixtures.apvJson("CVE-2026-40001", "critical", List.of("payments-api"));
            apv.put("summary", HOSTILE);
            server.server.stream().publish(dev.immunity.core.json.WireFormat.parseApv(apv));
            await("all three routes", Duration.ofSeconds(20), () -> at("slack").size() == 1 && at("teams").size() == 1
                    && at("generic").size() == 1);

            String slack = new String(at("slack").get(0).body(), StandardCharsets.UTF_8);
            JsonNode s = at("slack").get(0).json();
            assertThat(s.path("text").asText()).contains("CVE-2026-40001");
            assertThat(s.path("blocks").get(0).path("type").asText()).isEqualTo("header");
            assertThat(s.path("blocks").get(1).path("text").path("type").asText()).isEqualTo("plain_text");
            assertThat(slack).doesNotContain("<!channel>", "<https://evil.example|", "\\u001b", "\\u202e")
                    .contains("&lt;!channel&gt;");

            JsonNode t = at("teams").get(0).json();
            assertThat(t.path("type").asText()).isEqualTo("message");
            JsonNode card = t.path("attachments").get(0);
            assertThat(card.path("contentType").asText()).isEqualTo("application/vnd.microsoft.card.adaptive");
            assertThat(card.path("content").path("type").asText()).isEqualTo("AdaptiveCard");
            String teamsText = card.path("content").path("body").toString();
            assertThat(teamsText).contains("\\\\[the fix\\\\]\\\\(https://evil\\\\.example\\\\)", "\\\\*now\\\\*")
                    .doesNotContain("[the fix](", "\\u001b", "\\u202e");

            Received g = at("generic").get(0);
            String signature = g.header("X-Immunity-Signature-256");
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec("s3cret".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            assertThat(signature).isEqualTo("sha256=" + java.util.HexFormat.of().formatHex(mac.doFinal(g.body())));
            assertThat(g.header("X-Immunity-Delivery")).matches("[0-9a-f-]{36}");
            JsonNode n = g.json().path("notifications").get(0);
            assertThat(n.path("event").asText()).isEqualTo("apv");
            assertThat(n.path("cve_id").asText()).isEqualTo("CVE-2026-40001");
            assertThat(n.path("summary").asText()).startsWith("<!channel> see [the fix]").doesNotContain("\u001b", "\u202e");
            assertThat(g.json().path("delivery_id").asText()).isEqualTo(g.header("X-Immunity-Delivery"));
        }
    }

    @Test
    void afterTwo500s_theDeliverySucceeds_onceWithTheSameDeliveryIdOnEveryAttempt() {
        script = n -> n < 2 ? 500 : null;
        var settings = ServerSettings.forTests().withNotifications(fast(route("hook", NotifySettings.Format.GENERIC, null,
                EnumSet.of(NotifySettings.Event.APV))));
        try (TestServer server = new TestServer(settings)) {
            server.server.stream().publish(Fixtures.apv("CVE-2026-40002", "high", List.of("payments-api")));
            await("three attempts", Duration.ofSeconds(20), () -> at("hook").size() == 3);
            assertThat(at("hook").stream().map(r -> r.header("X-Immunity-Delivery")).distinct()).hasSize(1);
            String prometheus = server.get("/observe/metrics", "Accept", "text/plain").body();
            assertThat(prometheus).containsPattern("immunity_notifications_total\\{[^}]*result=\"sent\"[^}]*route=\"hook\"[^}]*} 1\\.0")
                    .containsPattern("immunity_notifications_total\\{[^}]*result=\"retried\"[^}]*route=\"hook\"[^}]*} 2\\.0");
        }
        assertThat(at("hook")).hasSize(3); // and nothing after: received once
    }

    @Test
    void a429sRetryAfterIsHonoured() {
        script = n -> n == 0 ? 429 : null;
        extraHeaders = Map.of("Retry-After", "2");
        var settings = ServerSettings.forTests().withNotifications(fast(route("hook", NotifySettings.Format.GENERIC, null,
                EnumSet.of(NotifySettings.Event.APV))));
        try (TestServer server = new TestServer(settings)) {
            server.server.stream().publish(Fixtures.apv("CVE-2026-40003", "high", List.of("payments-api")));
            await("the retry", Duration.ofSeconds(20), () -> at("hook").size() == 2);
            long gap = at("hook").get(1).atNanos() - at("hook").get(0).atNanos();
            assertThat(Duration.ofNanos(gap)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        }
    }

    @Test
    void aReceiverThatNeverAnswers_delaysNoWebSocketDelivery_norTheOtherRoutes() {
        script = n -> -1; // every request to every path hangs...
        var settings = ServerSettings.forTests().withNotifications(fast(
                route("hung", NotifySettings.Format.GENERIC, null, EnumSet.of(NotifySettings.Event.APV))));
        try (TestServer server = new TestServer(settings); WsTestClient ws = server.connect()) {
            ws.next("metrics"); // the snapshot is over
            server.server.stream().publish(Fixtures.apv("CVE-2026-40004", "high", List.of("payments-api")));
            await("the receiver holds the first delivery", Duration.ofSeconds(20), () -> at("hung").size() == 1);
            List<String> live = new ArrayList<>();
            for (int i = 5; i <= 9; i++) {
                server.server.stream().publish(Fixtures.apv("CVE-2026-4000" + i, "high", List.of("payments-api")));
            }
            while (live.size() < 6) {
                live.add(ws.next("apv").path("payload").path("cve_id").asText());
            }
            assertThat(live).containsExactly("CVE-2026-40004", "CVE-2026-40005", "CVE-2026-40006", "CVE-2026-40007",
                    "CVE-2026-40008", "CVE-2026-40009");
            assertThat(at("hung")).as("still the one request, unanswered").hasSize(1);
        }
    }

    @Test
    void aBurstOfApvs_becomesOneDigestMessage() {
        var digest = new NotifySettings(List.of(route("hook", NotifySettings.Format.SLACK, null, EnumSet.of(NotifySettings.Event.APV))),
                Duration.ofSeconds(5), 5, Duration.ofMillis(50), Duration.ofSeconds(2), Duration.ofSeconds(30), 100);
        try (TestServer server = new TestServer(ServerSettings.forTests().withNotifications(digest))) {
            for (int i = 10; i < 50; i++) {
                server.server.stream().publish(Fixtures.apv("CVE-2026-400" + i, "high", List.of("payments-api")));
            }
            await("the digest", Duration.ofSeconds(20), () -> at("hook").size() == 1);
            JsonNode s = at("hook").get(0).json();
            assertThat(s.path("text").asText()).isEqualTo("40 notifications from Immunity");
            assertThat(s.path("blocks").toString()).contains("and 20 more");
        }
    }

    @Test
    void twoInstancesSharingRedis_sendOneNotificationForOneBreach() throws Exception {
        try (TestRedis redis = TestRedis.start()) {
            String prefix = "n" + System.nanoTime() + ":";
            RedisSettings r = RedisSettings.of(redis.uri()).withStreamKey(prefix + "events").withMetricsKey(prefix + "metrics");
            var settings = ServerSettings.forTests().withRedis(r)
                    .withSla(new SlaPolicy(Map.of(dev.immunity.core.model.Priority.CRITICAL, Duration.ofSeconds(3),
                            dev.immunity.core.model.Priority.HIGH, Duration.ofDays(30),
                            dev.immunity.core.model.Priority.MEDIUM, Duration.ofDays(90),
                            dev.immunity.core.model.Priority.LOW, Duration.ofDays(180)), 0.75))
                    .withNotifications(fast(route("oncall", NotifySettings.Format.GENERIC, null,
                            EnumSet.of(NotifySettings.Event.SLA_BREACHED))));
            try (TestServer a = new TestServer(settings); TestServer b = new TestServer(settings)) {
                await("both live", Duration.ofSeconds(20), () ->
                        a.server.redisSource().orElseThrow().status().phase() == dev.immunity.core.redis.RedisStreamSource.Phase.LIVE
                                && b.server.redisSource().orElseThrow().status().phase() == dev.immunity.core.redis.RedisStreamSource.Phase.LIVE);
                var trigger = a.trigger("{\"cve_id\": \"CVE-2026-40100\", \"priority\": \"critical\"}");
                assertThat(trigger.statusCode()).isEqualTo(202);
                await("both instances saw the breach", Duration.ofSeconds(20), () ->
                        TestServer.json(a.get("/api/adaptive-immunity/sla?state=breached")).size() == 1
                                && TestServer.json(b.get("/api/adaptive-immunity/sla?state=breached")).size() == 1);
                await("one claimed, the other deduplicated", Duration.ofSeconds(20), () ->
                        a.server.notifier().deduplicated() + b.server.notifier().deduplicated() == 1 && at("oncall").size() == 1);
                assertThat(at("oncall").get(0).json().path("notifications").get(0).path("cve_id").asText())
                        .isEqualTo("CVE-2026-40100");
            }
        }
    }
}
