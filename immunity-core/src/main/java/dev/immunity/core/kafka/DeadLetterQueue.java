package dev.immunity.core.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.immunity.core.json.Json;
import dev.immunity.core.json.WireFormat;
import dev.immunity.core.util.Backoff;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Records that are not valid events (or could not be processed), on their way to the dead-letter topic: queued at
 * once, so the consumer never waits for that topic, and written in order by a thread of their own, each once;
 * while the topic fails, retried with backoff. A letter that finds the queue full is dropped, counted and
 * logged with where its record came from.
 */
final class DeadLetterQueue {
    private static final System.Logger LOG = System.getLogger(DeadLetterQueue.class.getName());

    private final String topic;
    private final KafkaProducer<String, byte[]> producer;
    private final InstantSource clock;
    private final int capacity;
    private final LinkedBlockingDeque<ProducerRecord<String, byte[]>> letters;
    private final LongAdder queued = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final Thread writer;
    private volatile boolean running = true;
    private volatile String error;

    DeadLetterQueue(String topic, KafkaProducer<String, byte[]> producer, InstantSource clock, int capacity) {
        this.topic = topic;
        this.producer = producer;
        this.clock = clock;
        this.capacity = capacity;
        this.letters = new LinkedBlockingDeque<>(capacity);
        this.writer = Thread.ofPlatform().name("immunity-kafka-dlq").daemon(true).unstarted(this::write);
    }

    void start() {
        writer.start();
    }

    /** Stops the writer (within 5 s); what it had not written is logged. */
    void close() {
        running = false;
        writer.interrupt();
        try {
            writer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!letters.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "Kafka: " + letters.size() + " dead letters not written to "
                    + topic + " at shutdown; their records are re-read and dead-lettered again only"
                    + " when this consumer group rebuilds from before them");
        }
    }

    /** Records dead-lettered so far (queued; written or waiting). */
    long letters() {
        return queued.sum();
    }

    /** Dead letters waiting to be written (the topic is failing while this grows). */
    int pending() {
        return letters.size();
    }

    /** Why the last write failed, or null while writes succeed. */
    String error() {
        return error;
    }

    /** Queues the dead letter of {@code r}: its original text, the error, and where it came from. */
    void add(ConsumerRecord<byte[], byte[]> r, JsonNode parsed, String why) {
        queued.increment();
        String cveId = WireFormat.cveIdOf(parsed);
        ObjectNode dlq = Json.mapper().createObjectNode();
        dlq.put("original_message", r.value() == null ? null : new String(r.value(), StandardCharsets.UTF_8));
        dlq.put("error", why);
        dlq.put("failed_at", clock.instant().toString());
        dlq.put("topic", r.topic());
        dlq.put("partition", r.partition());
        dlq.put("offset", r.offset());
        dlq.put("cve_id", cveId);
        String where = r.topic() + "-" + r.partition() + "@" + r.offset();
        LOG.log(System.Logger.Level.WARNING, "Kafka: invalid record " + where + " sent to " + topic + ": " + why);
        ProducerRecord<String, byte[]> letter = new ProducerRecord<>(topic, cveId,
                Json.write(dlq).getBytes(StandardCharsets.UTF_8));
        if (!letters.offerLast(letter)) {
            dropped.increment();
            LOG.log(System.Logger.Level.ERROR, "Kafka: dead letter for " + where + " dropped: " + capacity
                    + " already wait for " + topic + " (" + error + "); " + dropped.sum() + " dropped so far");
        }
    }

    /** Writes queued dead letters in order, each once; while the topic fails, retries with backoff. */
    private void write() {
        Backoff backoff = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5));
        while (running || !letters.isEmpty()) {
            ProducerRecord<String, byte[]> letter;
            try {
                letter = letters.takeFirst();
            } catch (InterruptedException e) {
                return;
            }
            try {
                producer.send(letter).get(); // bounded by the producer's delivery timeout
                error = null;
                backoff.reset();
            } catch (InterruptedException e) {
                letters.offerFirst(letter);
                return;
            } catch (ExecutionException | RuntimeException e) {
                letters.offerFirst(letter); // not written: first in line again
                error = KafkaSource.rootMessage(e);
                long wait = backoff.next().toMillis();
                LOG.log(System.Logger.Level.WARNING, "Kafka: writing to " + topic + " failed (" + error + "); "
                        + letters.size() + " dead letters wait; retrying in " + wait + " ms");
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }
}
