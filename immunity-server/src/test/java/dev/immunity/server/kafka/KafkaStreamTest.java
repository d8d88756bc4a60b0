package dev.immunity.server.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.immunity.core.json.Json;
import dev.immunity.core.kafka.KafkaSettings;
import dev.immunity.server.config.ServerSettings;
import dev.immunity.server.support.Fixtures;
import dev.immunity.server.support.TestKafka;
import dev.immunity.server.support.TestServer;
import static dev.immunity.server.support.Await.await;
import dev.immunity.server.support.WsTestClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server as a faithful, durable view of the pipeline's Kafka topics, against a real broker
 * (in this JVM, or the cluster named by {@code IMMUNITY_TEST_KAFKA}). One broker for the class; each
 * test has its own topics.
 */
class KafkaStreamTest extends dev.immunity.server.support.WithKafka {
    private record Topics(String apv, String patches, String dlq) {
        static Topics fresh() {
            String prefix = TestKafka.uniquePrefix();
            return new Topics(prefix + "apv", prefix + "patches", prefix + "dlq");
        }
    }

    private static ServerSettings settings(Topics t, String group) {
        return ServerSettings.forTests().withKafka(KafkaSettings.defaults(kafka.bootstrapServers(), group)
                .withTopics(t.apv(), t.patches(), t.dlq()));
    }

    private static String group() {
        return "immunity-test-" + UUID.randomUUID();
    }

    private static void awaitReady(TestServer s) {
        await("the Kafka source is live", Duration.ofSeconds(60),
                () -> s.server.kafka().orElseThrow().status().ready());
    }

    private static String apv(String cveId, int seq, Instant publishedAt) {
        ObjectNode n = Fixtures.apvJson(cveId, "high", List.of("payments-api"));
        n.put("summary", "Deserialization flaw, update seq=" + seq);
        n.put("_published_at", publishedAt.toString().replace("Z", "")); // naive, as Python writes it
        return n.toString();
    }

    private static void produce(KafkaProducer<String, String> p, String topic, String key, String value) {
        p.send(new ProducerRecord<>(topic, key, value));
    }

    private static boolean isLiveApv(JsonNode n) {
        return "apv".equals(n.path("type").asText()) && !n.path("snapshot").asBoolean(false);
    }

    private static String cveOf(JsonNode n) {
        return n.path("payload").path("cve_id").asText();
    }

    @Test
    void thousandApvs_withTheBrokerRestartedMidway_eachReachAClientOnce_inPerKeyOrder() throws Exception {
        Topics t = Topics.fresh();
        try (TestServer s = new TestServer(settings(t, group()));
             KafkaProducer<String, String> producer = kafka.producer()) {
            awaitReady(s);
            try (WsTestClient client = s.connect()) {
                client.next("hello");
                Instant base = Instant.now();
                for (int i = 0; i < 1000; i++) {
                    String key = "CVE-2026-" + (10000 + i % 100); // 100 CVEs, each updated 10 times
                    produce(producer, t.apv(), key, apv(key, i, base.plusMillis(i)));
                    if (i == 499) {
                        producer.flush();
                        kafka.stopBroker();
                        // Back in a moment; meanwhile the producer keeps sending (its sends wait for the broker).
                        java.util.concurrent.CompletableFuture.delayedExecutor(1500, java.util.concurrent.TimeUnit.MILLISECONDS)
                                .execute(kafka::startBroker);
                    }
                }
                producer.flush();

                Map<String, List<Integer>> seqsByCve = new HashMap<>();
                List<Integer> all = new ArrayList<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (all.size() < 1000 && System.nanoTime() < deadline) {
                    JsonNode n = client.next();
                    if (isLiveApv(n)) {
                        String summary = n.path("payload").path("summary").asText();
                        int seq = Integer.parseInt(summary.substring(summary.indexOf("seq=") + 4));
                        all.add(seq);
                        seqsByCve.computeIfAbsent(cveOf(n), k -> new ArrayList<>()).add(seq);
                    }
                }
                assertThat(all).hasSize(1000).doesNotHaveDuplicates();
                assertThat(seqsByCve).hasSize(100);
                seqsByCve.values().forEach(seqs -> assertThat(seqs).hasSize(10).isSorted());
            }
        }
    }

    private static Map<String, String> kafkaEnvironment(Topics t) {
        Map<String, String> env = new HashMap<>();
        env.put("IMMUNITY_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("IMMUNITY_KAFKA_APV_TOPIC", t.apv());
        env.put("IMMUNITY_KAFKA_PATCHES_TOPIC", t.patches());
        env.put("IMMUNITY_KAFKA_DLQ_TOPIC", t.dlq());
        env.put("IMMUNITY_KAFKA_GROUP_ID", group());
        return env;
    }

    @Test
    void trigger_isOffWithKafkaByDefault_whenOnItsApvsCarryTheMarker_andItNeverReplacesAnApvFromKafka() {
        Topics t = Topics.fresh();
        Map<String, String> env = kafkaEnvironment(t);
        try (TestServer off = new TestServer(dev.immunity.server.config.ServerConfig.load(Map.of("immunity.port", "0"), env))) {
            var refused = off.trigger("{\"cve_id\":\"CVE-2099-0404\"}");
            assertThat(refused.statusCode()).isIn(403, 404);
            assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).contains("json"));
            assertThat(TestServer.json(refused).path("error").asText()).isNotBlank();
        }
        env.put("IMMUNITY_TRIGGER_ENABLED", "true");
        try (TestServer on = new TestServer(dev.immunity.server.config.ServerConfig.load(Map.of("immunity.port", "0"), env))) {
            awaitReady(on);
            var accepted = on.trigger("{\"cve_id\":\"CVE-2099-0202\",\"source_feed\":\"NVD\"}");
            assertThat(accepted.statusCode()).isEqualTo(202);
            await("the triggered APV came back from the topic", Duration.ofSeconds(30),
                    () -> on.get("/api/adaptive-immunity/apvs/CVE-2099-0202").statusCode() == 200);
            assertThat(TestServer.json(on.get("/api/adaptive-immunity/apvs/CVE-2099-0202")).path("source_feed").asText())
                    .isEqualTo("immunity-trigger");

            // An APV of the real pipeline, from the topic: the trigger never replaces it.
            try (KafkaProducer<String, String> p = kafka.producer()) {
                produce(p, t.apv(), "CVE-2024-1492", apv("CVE-2024-1492", 1, Instant.now()));
            }
            await("the pipeline's APV arrived", Duration.ofSeconds(30),
                    () -> on.get("/api/adaptive-immunity/apvs/CVE-2024-1492").statusCode() == 200);
            var overwrite = on.trigger("{\"cve_id\":\"CVE-2024-1492\",\"priority\":\"low\",\"summary\":\"false positive, ignore\"}");
            assertThat(overwrite.statusCode()).isEqualTo(409);
            assertThat(TestServer.json(on.get("/api/adaptive-immunity/apvs/CVE-2024-1492")).path("priority").asText())
                    .isEqualTo("high");
        }
    }

    @Test
    void poisonRecords_goToTheDeadLetterTopic_areCounted_andTheNextValidApvIsDelivered() {
        Topics t = Topics.fresh();
        try (TestServer s = new TestServer(settings(t, group()));
             KafkaProducer<String, String> producer = kafka.producer()) {
            awaitReady(s);
            ObjectNode invalid = Fixtures.apvJson("CVE-2026-0002", "urgent", List.of("search"));
            try (WsTestClient client = s.connect()) {
                client.next("hello");
                produce(producer, t.apv(), "CVE-2026-0001", "{\"cve_id\": \"CVE-2026-0001\", not json");
                produce(producer, t.apv(), "CVE-2026-0002", invalid.toString());
                produce(producer, t.apv(), "CVE-2026-0003", apv("CVE-2026-0003", 1, Instant.now()));
                producer.flush();

                JsonNode delivered = client.until(KafkaStreamTest::isLiveApv).getLast();
                assertThat(cveOf(delivered)).isEqualTo("CVE-2026-0003");
            }
            // The three keys may sit on different partitions: the valid APV can come before the poison ones.
            await("both poison records dead-lettered", Duration.ofSeconds(30),
                    () -> s.server.kafka().orElseThrow().deadLettered() == 2);
            var dlq = kafka.readAll(t.dlq());
            assertThat(dlq).hasSize(2);
            JsonNode first = Json.parse(dlq.stream().filter(r -> r.value().contains("not json")).findFirst().orElseThrow().value());
            assertThat(first.path("original_message").asText()).isEqualTo("{\"cve_id\": \"CVE-2026-0001\", not json");
            assertThat(first.path("error").asText()).contains("malformed JSON");
            assertThat(first.path("topic").asText()).isEqualTo(t.apv());
            assertThat(first.path("failed_at").asText()).endsWith("Z");
            JsonNode second = Json.parse(dlq.stream().filter(r -> r.value().contains("urgent")).findFirst().orElseThrow().value());
            assertThat(second.path("error").asText()).startsWith("priority:");
            assertThat(second.path("cve_id").asText()).isEqualTo("CVE-2026-0002");
            assertThat(second.path("original_message").asText()).isEqualTo(invalid.toString());
            assertThat(s.get("/observe/metrics").body()).contains("immunity_kafka_dead_lettered_total");
            assertThat(s.get("/api/adaptive-immunity/apvs/CVE-2026-0002").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void restartedServer_rebuildsItsState_andAClientResumesWithItsOldCursor() {
        Topics t = Topics.fresh();
        String group = group();
        String cursor;
        try (KafkaProducer<String, String> producer = kafka.producer()) {
            try (TestServer first = new TestServer(settings(t, group))) {
                awaitReady(first);
                try (WsTestClient client = first.connect()) {
                    client.next("hello");
                    for (int i = 1; i <= 5; i++) {
                        produce(producer, t.apv(), "CVE-2026-2000" + i, apv("CVE-2026-2000" + i, i, Instant.now()));
                    }
                    producer.flush();
                    // The cursor of the last event received covers everything received before it.
                    JsonNode last = null;
                    for (int seen = 0; seen < 5; ) {
                        JsonNode n = client.next();
                        if (isLiveApv(n)) {
                            seen++;
                            last = n;
                        }
                    }
                    cursor = last.path("cursor").asText();
                }
            }
            for (int i = 6; i <= 9; i++) {
                produce(producer, t.apv(), "CVE-2026-2000" + i, apv("CVE-2026-2000" + i, i, Instant.now()));
            }
            produce(producer, t.patches(), "CVE-2026-20001",
                    WireFormatPatches.patch("CVE-2026-20001", "merged").toString());
            producer.flush();
        }
        try (TestServer again = new TestServer(settings(t, group))) {
            awaitReady(again);
            JsonNode apvs = TestServer.json(again.get("/api/adaptive-immunity/apvs"));
            assertThat(apvs.findValuesAsText("cve_id")).hasSize(9);
            assertThat(TestServer.json(again.get("/api/adaptive-immunity/metrics")).path("patches_merged").asInt()).isEqualTo(1);

            try (WsTestClient resumed = WsTestClient.connect(again.ws("cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8)))) {
                JsonNode hello = resumed.next();
                assertThat(hello.path("payload").path("recovered").asBoolean()).isTrue();
                List<JsonNode> missed = resumed.until(n -> "metrics".equals(n.path("type").asText()));
                assertThat(missed.stream().filter(n -> List.of("apv", "patch").contains(n.path("type").asText()))
                        .map(n -> n.path("type").asText() + ":" + cveOf(n)).toList())
                        // Each once; across partitions the order may differ (per key it cannot).
                        .containsExactlyInAnyOrder("apv:CVE-2026-20006", "apv:CVE-2026-20007", "apv:CVE-2026-20008",
                                "apv:CVE-2026-20009", "patch:CVE-2026-20001");
            }
            try (WsTestClient fresh = again.connect()) {
                assertThat(fresh.next().path("payload").path("mode").asText()).isEqualTo("snapshot");
                List<JsonNode> snapshot = fresh.until(n -> "metrics".equals(n.path("type").asText()));
                assertThat(snapshot).filteredOn(KafkaStreamTest::isLiveApv).isEmpty();
            }
        }
    }

    @Test
    void serverStartedWhileTheBrokerIsDown_servesRestAndWebSocket_reportsKafkaDown_thenDelivers() {
        Topics t = Topics.fresh();
        kafka.stopBroker();
        try (TestServer s = new TestServer(settings(t, group()))) {
            assertThat(s.get("/api/adaptive-immunity/apvs").statusCode()).isEqualTo(200);
            var health = s.get("/observe/health");
            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(health.body()).contains("\"broker\":\"down\"");
            try (WsTestClient client = s.connect()) {
                assertThat(client.next().path("type").asText()).isEqualTo("hello");
                kafka.startBroker();
                awaitReady(s);
                try (KafkaProducer<String, String> producer = kafka.producer()) {
                    produce(producer, t.apv(), "CVE-2026-30001", apv("CVE-2026-30001", 1, Instant.now()));
                    producer.flush();
                }
                JsonNode apv = client.until(KafkaStreamTest::isLiveApv).getLast();
                assertThat(cveOf(apv)).isEqualTo("CVE-2026-30001");
                assertThat(s.get("/observe/health").statusCode()).isEqualTo(200);
            }
        } finally {
            kafka.startBroker(); // for the next test, if this one failed before starting it
        }
    }

    @Test
    void twoInstances_bothDeliverEveryEvent_andACursorFromOneResumesOnTheOther() {
        Topics t = Topics.fresh();
        try (TestServer a = new TestServer(settings(t, group()));
             TestServer b = new TestServer(settings(t, group()));
             KafkaProducer<String, String> producer = kafka.producer()) {
            awaitReady(a);
            awaitReady(b);
            String cursor;
            try (WsTestClient onA = a.connect(); WsTestClient onB = b.connect()) {
                onA.next("hello");
                onB.next("hello");
                var triggered = a.trigger("{\"cve_id\": \"CVE-2026-40001\"}");
                assertThat(triggered.statusCode()).isEqualTo(202);
                assertThat(TestServer.json(triggered).path("status").asText()).isEqualTo("published");
                produce(producer, t.apv(), "CVE-2026-40002", apv("CVE-2026-40002", 2, Instant.now()));
                producer.flush();
                String last = null;
                for (WsTestClient c : List.of(onA, onB)) {
                    List<JsonNode> live = new ArrayList<>();
                    while (live.size() < 2) {
                        JsonNode n = c.next();
                        if (isLiveApv(n)) {
                            live.add(n);
                        }
                    }
                    assertThat(live.stream().map(KafkaStreamTest::cveOf).toList())
                            .containsExactlyInAnyOrder("CVE-2026-40001", "CVE-2026-40002");
                    if (c == onA) {
                        last = live.getLast().path("cursor").asText();
                    }
                }
                cursor = last;
            }
            produce(producer, t.apv(), "CVE-2026-40003", apv("CVE-2026-40003", 3, Instant.now()));
            producer.flush();
            try (WsTestClient onB = WsTestClient.connect(b.ws("cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8)))) {
                assertThat(onB.next().path("payload").path("recovered").asBoolean()).isTrue();
                List<JsonNode> got = onB.until(n -> isLiveApv(n) && cveOf(n).equals("CVE-2026-40003"));
                assertThat(got.stream().filter(KafkaStreamTest::isLiveApv).map(KafkaStreamTest::cveOf).toList())
                        .containsExactly("CVE-2026-40003");
            }
        }
    }
}
