package dev.immunity.examples.kafka;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.immunity.core.json.Json;
import dev.immunity.core.json.WireFormat;
import dev.immunity.core.model.Apv;
import dev.immunity.core.synth.ApvCompletion;
import dev.immunity.core.synth.PatchLifecycle;
import dev.immunity.core.synth.PatchStep;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Publishes APVs and their patch updates to Kafka in the Python producers' format, as the real
 * detection and remediation engines would: naive UTC timestamps, {@code _published_at} and
 * {@code _publisher}, the CVE id as key.
 *
 * <pre>ProduceApvs [bootstrap-servers] [apv-count] [seconds-between-apvs]</pre>
 */
public final class ProduceApvs {
    private static final String APV_TOPIC = "maximus.adaptive-immunity.apv";
    private static final String PATCHES_TOPIC = "maximus.adaptive-immunity.patches";

    private ProduceApvs() {
    }

    public static void main(String[] args) throws Exception {
        String servers = args.length > 0 ? args[0] : "localhost:9092";
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        double gapSeconds = args.length > 2 ? Double.parseDouble(args[2]) : 2.0;

        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        SplittableRandom rnd = new SplittableRandom();
        Set<String> used = new HashSet<>();
        record Pending(Instant at, String topic, String key, String json) {
        }
        List<Pending> pending = new ArrayList<>();
        try (var producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < count || !pending.isEmpty(); ) {
                Instant now = Instant.now();
                pending.sort(Comparator.comparing(Pending::at));
                while (!pending.isEmpty() && !pending.getFirst().at().isAfter(now)) {
                    Pending due = pending.removeFirst();
                    producer.send(new ProducerRecord<>(due.topic(), due.key(), due.json()));
                    System.out.println("patch " + due.key() + " " + Json.parse(due.json()).path("status").asText());
                }
                if (i < count) {
                    String cveId;
                    do {
                        cveId = "CVE-" + (2023 + rnd.nextInt(4)) + "-" + (1000 + rnd.nextInt(59000));
                    } while (!used.add(cveId));
                    // a full APV around the id: a catalogue package, a CVSS vector, advisory text, affected services
                    Apv apv = WireFormat.parseApv(ApvCompletion.complete(
                            Json.mapper().createObjectNode().put("cve_id", cveId), InstantSource.system(), rnd));
                    producer.send(new ProducerRecord<>(APV_TOPIC, apv.cveId(), pythonStyle(WireFormat.toWire(apv))));
                    System.out.println("apv   " + apv.cveId() + " " + apv.priority().wire() + " " + apv.summary());
                    for (PatchStep step : PatchLifecycle.plan(apv, rnd)) {
                        ObjectNode patch = WireFormat.toWire(step.patch());
                        pending.add(new Pending(now.plus(step.delay()), PATCHES_TOPIC, apv.cveId(), pythonStyle(patch)));
                    }
                    i++;
                }
                producer.flush();
                Thread.sleep(i < count ? (long) (gapSeconds * 1000) : 200);
            }
        }
    }

    /** Timestamps as Pydantic's {@code model_dump(mode="json")} writes naive datetimes: no offset. */
    private static String pythonStyle(ObjectNode node) {
        return Json.write(node).replaceAll("\"(\\d{4}-\\d{2}-\\d{2}T[0-9:.]+)Z\"", "\"$1\"");
    }
}
