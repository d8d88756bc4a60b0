package dev.immunity.server.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.core.json.IngestLimits;
import dev.immunity.core.json.Json;
import dev.immunity.core.kafka.KafkaSettings;
import dev.immunity.core.kafka.KafkaSource;
import dev.immunity.core.metrics.MetricsEngine;
import dev.immunity.core.metrics.MetricsSettings;
import dev.immunity.core.model.Apv;
import dev.immunity.core.model.Event;
import dev.immunity.core.store.EventStore;
import dev.immunity.core.store.StoreSettings;
import dev.immunity.core.stream.ConnectOptions;
import dev.immunity.core.stream.Connection;
import dev.immunity.core.stream.EventSink;
import dev.immunity.core.stream.SourcePosition;
import dev.immunity.core.stream.StreamManager;
import dev.immunity.core.stream.StreamSettings;
import dev.immunity.server.config.ServerSettings;
import dev.immunity.server.support.Fixtures;
import dev.immunity.server.support.TestKafka;
import dev.immunity.server.support.TestServer;
import dev.immunity.server.support.WsTestClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.immunity.server.support.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ingest that never drops an event, against a real broker in this JVM: a record whose processing throws does
 * not take the rest of its batch down, and a dead-letter topic that cannot be written never stops valid events.
 */
class KafkaIngestFailuresTest extends dev.immunity.server.support.WithKafka {
    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }

    private static String apv(String cve) {
        return Fixtures.apvJson(cve, "high", List.of("payments-api")).toString();
    }

    /** Collects what the stream sends one client. */
    private static final class Collecting implements Connection {
        final List<JsonNode> messages = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void send(byte[] utf8) {
            for (String line : new String(utf8, java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                messages.add(Json.parse(line));
            }
        }

        @Override
        public void close(int code, String reason) {
        }

        @Override
        public void abort() {
        }

        List<String> liveApvs() {
            return messages.stream().filter(m -> "apv".equals(m.path("type").asText()) && !m.path("snapshot").asBoolean())
                    .map(m -> m.path("payload").path("cve_id").asText()).toList();
        }
    }

    @Test
    void aRecordWhosePublishThrows_isDeadLettered_andTheRestOfItsBatchReachesClientsAndCursors() throws Exception {
        String prefix = TestKafka.uniquePrefix();
        KafkaSettings settings = KafkaSettings.defaults(kafka.bootstrapServers(), "g-" + UUID.randomUUID())
                .withTopics(prefix + "apv", prefix + "patches", prefix + "dlq");
        InstantSource clock = InstantSource.system();
        StreamManager manager = new StreamManager(new EventStore(StoreSettings.defaults()),
                new MetricsEngine(clock, MetricsSettings.defaults()), StreamSettings.defaults(), clock);
        manager.start();
        // A downstream step with a bug that only one (valid) record triggers.
        EventSink buggy = new EventSink() {
            @Override
            public void assign(String fingerprint, Map<String, Long> start) {
                manager.assign(fingerprint, start);
            }

            @Override
            public boolean publish(Event event, SourcePosition position) {
                if (event instanceof Apv a && a.cveId().equals("CVE-2024-66602")) {
                    throw new IllegalStateException("a bug in a downstream step");
                }
                return manager.publish(event, position);
            }

            @Override
            public void skip(SourcePosition position) {
                manager.skip(position);
            }
        };
        try (KafkaSource source = new KafkaSource(settings, IngestLimits.DEFAULTS, buggy, clock)) {
            source.start();
            await("the source is live", Duration.ofSeconds(60), () -> source.status().ready());
            Collecting live = new Collecting();
            manager.connect(live);
            await("hello", Duration.ofSeconds(10), () -> !live.messages.isEmpty());
            String cursorBefore = live.messages.get(0).path("payload").path("cursor").asText();

            try (KafkaProducer<String, String> p = kafka.producer()) {
                // One partition, one batch: the failing record sits between valid ones.
                for (String cve : List.of("CVE-2024-66601", "CVE-2024-66602", "CVE-2024-66603", "CVE-2024-66604")) {
                    p.send(new ProducerRecord<>(settings.apvTopic(), 0, cve, apv(cve)));
                }
                p.flush();
            }
            await("the records after the failing one arrive", Duration.ofSeconds(30),
                    () -> live.liveApvs().contains("CVE-2024-66604"));
            assertThat(live.liveApvs()).containsExactly("CVE-2024-66601", "CVE-2024-66603", "CVE-2024-66604");
            assertThat(source.status().failed()).isEqualTo(1);

            Collecting resumed = new Collecting();
            manager.connect(resumed, ConnectOptions.resume(cursorBefore));
            await("the resume replays", Duration.ofSeconds(10), () -> resumed.liveApvs().size() >= 3);
            assertThat(resumed.messages.get(0).path("payload").path("recovered").asBoolean()).isTrue();
            assertThat(resumed.liveApvs()).containsExactly("CVE-2024-66601", "CVE-2024-66603", "CVE-2024-66604");

            await("the failing record is in the dead-letter topic", Duration.ofSeconds(30),
                    () -> kafka.readAll(settings.dlqTopic()).size() == 1);
            JsonNode letter = Json.parse(kafka.readAll(settings.dlqTopic()).get(0).value());
            assertThat(letter.path("error").asText()).contains("could not be processed").contains("downstream step");
            assertThat(letter.path("cve_id").asText()).isEqualTo("CVE-2024-66602");
        } finally {
            manager.stop();
        }
    }

    @Test
    void anUnwritableDeadLetterTopic_stopsNoValidEvent_healthSaysSo_andEachLetterIsWrittenOnceItRecovers() throws Exception {
        String prefix = TestKafka.uniquePrefix();
        String dlq = prefix + "dlq";
        try (Admin admin = admin()) {
            // Dead letters (which quote the record) will be larger than this topic accepts.
            admin.createTopics(List.of(new NewTopic(dlq, 1, (short) 1).configs(Map.of("max.message.bytes", "200"))))
                    .all().get();
        }
        KafkaSettings settings = KafkaSettings.defaults(kafka.bootstrapServers(), "g-" + UUID.randomUUID())
                .withTopics(prefix + "apv", prefix + "patches", dlq);
        try (TestServer server = new TestServer(ServerSettings.forTests().withKafka(settings))) {
            KafkaSource source = server.server.kafka().orElseThrow();
            await("live", Duration.ofSeconds(60), () -> source.status().ready());
            try (WsTestClient client = server.connect();
                 KafkaProducer<String, String> p = kafka.producer()) {
                client.next("hello");
                p.send(new ProducerRecord<>(settings.apvTopic(), 0, "CVE-2024-77700", "{\"cve_id\": \"CVE-2024-77700\", "
                        + "\"not\": \"an apv\", \"padding\": \"" + "x".repeat(300) + "\"}"));
                p.send(new ProducerRecord<>(settings.apvTopic(), 0, "CVE-2024-77701", apv("CVE-2024-77701")));
                p.flush();
                JsonNode valid = client.until(n -> "apv".equals(n.path("type").asText())).getLast();
                assertThat(valid.path("payload").path("cve_id").asText()).isEqualTo("CVE-2024-77701");
            }
            await("health says the dead-letter topic fails", Duration.ofSeconds(30),
                    () -> server.get("/observe/health").body().contains("failing"));
            assertThat(source.status().deadLettersPending()).isEqualTo(1);

            try (Admin admin = admin()) {
                admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, dlq), List.of(
                        new AlterConfigOp(new ConfigEntry("max.message.bytes", "1048576"), AlterConfigOp.OpType.SET))))
                        .all().get();
            }
            await("the dead letter is written", Duration.ofSeconds(60), () -> source.status().deadLettersPending() == 0);
            await("health is clear", Duration.ofSeconds(10), () -> server.get("/observe/health").body().contains("\"ok\""));
            List<String> letters = new ArrayList<>();
            kafka.readAll(dlq).forEach(r -> letters.add(r.value()));
            assertThat(letters).hasSize(1);
            assertThat(letters.get(0)).contains("CVE-2024-77700");
        }
    }

    /**
     * The issue's own numbers: 50,000 APVs of which 1,000 are still open (a pending patch) and 49,000 merged, read
     * into a store of 10,000.
     */
    @Test
    void openApvs_areAllServedAfterARebuildOfFarMoreApvsThanTheStoreHolds_andTheMetricsAgreeWithTheStore() {
        String prefix = TestKafka.uniquePrefix();
        String apvTopic = prefix + "apv";
        String patchTopic = prefix + "patches";
        List<String> open = new ArrayList<>();
        try (KafkaProducer<String, String> p = kafka.producer()) {
            for (int i = 0; i < 50_000; i++) {
                String cve = String.format("CVE-2025-%05d", i);
                p.send(new ProducerRecord<>(apvTopic, cve, apv(cve)));
                boolean stillOpen = i % 50 == 0;
                if (stillOpen) {
                    open.add(cve);
                }
                p.send(new ProducerRecord<>(patchTopic, cve, WireFormatPatches.patch(cve, stillOpen ? "pending" : "merged").toString()));
            }
            p.flush();
        }
        Map<String, String> config = new java.util.HashMap<>();
        config.put("immunity.port", "0");
        config.put("immunity.store.max-apvs", "10000");
        config.put("immunity.kafka.bootstrap-servers", kafka.bootstrapServers());
        config.put("immunity.kafka.apv-topic", apvTopic);
        config.put("immunity.kafka.patches-topic", patchTopic);
        config.put("immunity.kafka.dlq-topic", prefix + "dlq");
        config.put("immunity.kafka.group-id", "g-" + UUID.randomUUID());
        try (TestServer server = new TestServer(dev.immunity.server.config.ServerConfig.load(config, Map.of()))) {
            await("rebuilt", Duration.ofSeconds(120), () -> server.server.kafka().orElseThrow().status().ready());
            assertThat(open).hasSize(1_000);
            for (String cve : open) {
                assertThat(server.get("/api/adaptive-immunity/apvs/" + cve).statusCode()).as(cve).isEqualTo(200);
            }
            EventStore store = server.server.store();
            assertThat(store.apvCount()).isEqualTo(10_000);
            assertThat(store.evictedOpen()).isZero();
            assertThat(server.server.kafka().orElseThrow().status().deadLettered()).isZero();

            // The metrics count every APV read, and what is open in them is exactly what the store holds open.
            JsonNode metrics = TestServer.json(server.get("/api/adaptive-immunity/metrics"));
            long openInStore = store.patches(patch -> !patch.status().isTerminal(), Integer.MAX_VALUE).size();
            assertThat(openInStore).isEqualTo(1_000);
            assertThat(metrics.path("patches_open").asLong()).isEqualTo(openInStore);
            assertThat(metrics.path("apvs_detected").asLong()).isEqualTo(50_000);
            assertThat(metrics.path("patches_merged").asLong()).isEqualTo(49_000);
            JsonNode health = TestServer.json(server.get("/observe/health"));
            assertThat(health.toString()).contains("\"apvs_held\":10000").doesNotContain("evicted");
        }
    }
}
