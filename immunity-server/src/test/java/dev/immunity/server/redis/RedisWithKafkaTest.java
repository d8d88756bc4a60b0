package dev.immunity.server.redis;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.immunity.core.kafka.KafkaSettings;
import dev.immunity.core.redis.RedisSettings;
import dev.immunity.server.config.ServerSettings;
import dev.immunity.server.support.Fixtures;
import dev.immunity.server.support.TestKafka;
import dev.immunity.server.support.TestRedis;
import dev.immunity.server.support.TestServer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** With Kafka and Redis both configured, Kafka carries the events and Redis only the shared metrics. */
class RedisWithKafkaTest {
    private static TestKafka kafka;
    private static TestRedis redis;

    @BeforeAll
    static void start() {
        redis = TestRedis.start();
        kafka = TestKafka.start();
    }

    @AfterAll
    static void stop() {
        kafka.close();
        redis.close();
    }

    @Test
    void withKafka_eventsComeFromKafkaNotTheRedisStream_andMetricsAreSharedThroughRedis() {
        String prefix = TestKafka.uniquePrefix();
        String keys = "test-" + UUID.randomUUID() + ":";
        RedisSettings r = RedisSettings.of(redis.uri()).withStreamKey(keys + "events").withMetricsKey(keys + "metrics");
        ServerSettings settings = ServerSettings.forTests()
                .withKafka(KafkaSettings.defaults(kafka.bootstrapServers(), "immunity-test-" + UUID.randomUUID())
                        .withTopics(prefix + "apv", prefix + "patches", prefix + "dlq"))
                .withRedis(r);
        try (TestServer a = new TestServer(settings);
             KafkaProducer<String, String> producer = kafka.producer()) {
            assertThat(a.server.redisSource()).isEmpty();
            dev.immunity.server.support.Await.await("Kafka source live", Duration.ofSeconds(60),
                    () -> a.server.kafka().orElseThrow().status().ready());
            ObjectNode apv = Fixtures.apvJson("CVE-2026-65001", "high", List.of("payments-api"));
            producer.send(new ProducerRecord<>(prefix + "apv", "CVE-2026-65001", apv.toString()));
            producer.flush();
            assertThat(TestServer.json(a.trigger("{\"cve_id\": \"CVE-2026-65002\"}")).path("status").asText())
                    .isEqualTo("published"); // to Kafka, as without Redis
            dev.immunity.server.support.Await.await("shared metrics with both APVs", Duration.ofSeconds(20), () -> {
                String shared = redis.command("GET", r.metricsKey());
                return shared != null && shared.contains("\"apvs_detected\":2");
            });
            assertThat(redis.command("EXISTS", r.streamKey())).isEqualTo(":0");
            assertThat(a.get("/observe/health").body()).contains("\"name\":\"redis\"");
        }
    }
}
