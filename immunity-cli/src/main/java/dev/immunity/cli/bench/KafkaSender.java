package dev.immunity.cli.bench;

import dev.immunity.core.kafka.KafkaSettings;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Produces straight to the APV topic, as the detection engine does (key = CVE id, {@code linger.ms=0}). */
final class KafkaSender implements EventSender {
    private final KafkaProducer<String, String> producer;
    private final String bootstrap;

    KafkaSender(String bootstrap) {
        this.bootstrap = bootstrap;
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.ACKS_CONFIG, "1",
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000,
                ProducerConfig.CLIENT_ID_CONFIG, "immunity-bench"),
                new StringSerializer(), new StringSerializer());
    }

    @Override
    public CompletableFuture<Void> send(String cveId, String apvJson) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        producer.send(new ProducerRecord<>(KafkaSettings.APV_TOPIC, cveId, apvJson), (meta, e) -> {
            if (e == null) {
                done.complete(null);
            } else {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    @Override
    public String describe() {
        return "Kafka " + bootstrap + " topic " + KafkaSettings.APV_TOPIC;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
