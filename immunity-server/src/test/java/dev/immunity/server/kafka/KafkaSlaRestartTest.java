package dev.immunity.server.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.immunity.core.kafka.KafkaSettings;
import dev.immunity.server.config.ServerSettings;
import dev.immunity.server.support.Fixtures;
import dev.immunity.server.support.TestKafka;
import dev.immunity.server.support.TestServer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import static dev.immunity.server.support.Await.await;
import static dev.immunity.server.support.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

/** The SLA clock runs on event times: a restarted (or another) instance reading the same topics shows the same. */
class KafkaSlaRestartTest extends dev.immunity.server.support.WithKafka {
    private static String apv(String cve, String priority, Instant detected) {
        ObjectNode n = Fixtures.apvJson(cve, priority, List.of("payments-api"));
        String at = detected.toString().replace("Z", "");
        n.put("processed_at", at).put("published", at).put("modified", at);
        return n.toString();
    }

    private static String merged(String cve, Instant at) {
        ObjectNode n = WireFormatPatches.patch(cve, "merged");
        n.put("completed_at", at.toString()).put("_published_at", at.toString());
        return n.toString();
    }

    @Test
    void afterARestart_theSlaStatesAndTheDailySeriesAreTheSame() {
        String prefix = TestKafka.uniquePrefix();
        KafkaSettings topics = KafkaSettings.defaults(kafka.bootstrapServers(), "unused")
                .withTopics(prefix + "apv", prefix + "patches", prefix + "dlq");
        Instant now = Instant.now();
        try (KafkaProducer<String, String> p = kafka.producer()) {
            p.send(new ProducerRecord<>(topics.apvTopic(), "CVE-2026-20001", apv("CVE-2026-20001", "critical", now.minus(Duration.ofDays(10)))));
            p.send(new ProducerRecord<>(topics.apvTopic(), "CVE-2026-20002", apv("CVE-2026-20002", "high", now.minus(Duration.ofDays(25)))));
            p.send(new ProducerRecord<>(topics.apvTopic(), "CVE-2026-20003", apv("CVE-2026-20003", "critical", now.minus(Duration.ofDays(5)))));
            p.send(new ProducerRecord<>(topics.apvTopic(), "CVE-2026-20004", apv("CVE-2026-20004", "critical", now.minus(Duration.ofDays(20)))));
            p.send(new ProducerRecord<>(topics.apvTopic(), "CVE-2026-20005", apv("CVE-2026-20005", "low", now.minus(Duration.ofDays(1)))));
            p.send(new ProducerRecord<>(topics.patchesTopic(), "CVE-2026-20003", merged("CVE-2026-20003", now.minus(Duration.ofDays(3)))));
            p.send(new ProducerRecord<>(topics.patchesTopic(), "CVE-2026-20004", merged("CVE-2026-20004", now.minus(Duration.ofDays(5)))));
            p.flush();
        }

        Seen first = read(topics);
        assertThat(first.states()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "CVE-2026-20001", "breached", "CVE-2026-20002", "at_risk", "CVE-2026-20005", "within"));
        assertThat(first.sla().path("compliance").asDouble()).isEqualTo(0.5);
        assertThat(first.sla().path("daily").path("detected").size()).isEqualTo(90);
        long detected = 0;
        for (JsonNode d : first.sla().path("daily").path("detected")) {
            detected += d.asLong();
        }
        assertThat(detected).isEqualTo(5);

        Seen second = read(topics); // a new instance, or this one restarted: it rebuilds from the topics
        assertThat(second.states()).isEqualTo(first.states());
        assertThat(second.deadlines()).isEqualTo(first.deadlines());
        for (String field : List.of("daily", "compliance", "compliance_by_priority", "open", "at_risk", "breached", "closed", "open_by_age")) {
            assertThat(second.sla().path(field)).as(field).isEqualTo(first.sla().path(field));
        }
    }

    private record Seen(Map<String, String> states, Map<String, String> deadlines, JsonNode sla) {
    }

    private static Seen read(KafkaSettings topics) {
        KafkaSettings settings = KafkaSettings.defaults(kafka.bootstrapServers(), "g-" + UUID.randomUUID())
                .withTopics(topics.apvTopic(), topics.patchesTopic(), topics.dlqTopic());
        try (TestServer server = new TestServer(ServerSettings.forTests().withKafka(settings))) {
            await("rebuilt", Duration.ofSeconds(60), () -> server.server.kafka().orElseThrow().status().ready());
            Map<String, String> states = new TreeMap<>();
            Map<String, String> deadlines = new TreeMap<>();
            for (JsonNode s : json(server.get("/api/adaptive-immunity/sla?limit=500"))) {
                states.put(s.path("cve_id").asText(), s.path("state").asText());
                deadlines.put(s.path("cve_id").asText(), s.path("deadline").asText());
            }
            return new Seen(states, deadlines, json(server.get("/api/adaptive-immunity/metrics")).path("sla"));
        }
    }
}
