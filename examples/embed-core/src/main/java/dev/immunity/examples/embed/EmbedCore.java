package dev.immunity.examples.embed;

import dev.immunity.core.json.Json;
import dev.immunity.core.json.WireFormat;
import dev.immunity.core.metrics.MetricsEngine;
import dev.immunity.core.metrics.MetricsSettings;
import dev.immunity.core.model.MetricsSnapshot;
import dev.immunity.core.store.EventStore;
import dev.immunity.core.store.StoreSettings;
import dev.immunity.core.stream.Connection;
import dev.immunity.core.stream.StreamManager;
import dev.immunity.core.stream.StreamSettings;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;

/**
 * Embeds immunity-core without the server: feeds it APVs and patch updates in the producers' wire
 * format, listens to the stream like a WebSocket client would, and prints the metrics.
 */
public final class EmbedCore {
    private EmbedCore() {
    }

    public static void main(String[] args) throws InterruptedException {
        InstantSource clock = InstantSource.system();
        StreamManager stream = new StreamManager(new EventStore(StoreSettings.defaults()),
                new MetricsEngine(clock, MetricsSettings.defaults()), StreamSettings.defaults(), clock);

        // Any transport can be a stream client: here, standard output.
        stream.connect(new Connection() {
            @Override
            public void send(byte[] utf8) {
                var envelope = Json.parse(new String(utf8, StandardCharsets.UTF_8));
                System.out.println("stream  " + envelope.path("type").asText() + "  "
                        + envelope.path("payload").path("cve_id").asText(envelope.path("payload").path("mode").asText()));
            }

            @Override
            public void close(int code, String reason) {
                System.out.println("stream  closed " + code + " " + reason);
            }

            @Override
            public void abort() {
            }
        });

        Instant detected = Instant.now().minusSeconds(600);
        for (String cve : new String[] {"CVE-2025-31337", "CVE-2025-42424"}) {
            stream.publish(WireFormat.parseApv(apvJson(cve, detected)));
        }
        // The remediation engine reports the first CVE's patch through its lifecycle; a redelivery changes nothing.
        for (String status : new String[] {"pending", "validating", "applied", "merged", "merged"}) {
            String patch = """
                    {"patch_id": "patch-CVE-2025-31337-20251011-143022", "cve_id": "CVE-2025-31337",
                     "strategy_used": "dependency_upgrade", "diff_content": "-lib==1.0\\n+lib==1.1",
                     "files_modified": ["requirements.txt"], "confidence_score": 0.94,
                     "generated_at": "2025-10-11T14:30:22.123456", "validation_passed": true,
                     "status": "%s"}""".formatted(status);
            boolean changed = stream.publish(WireFormat.parsePatch(patch, Instant.now()));
            System.out.println("patch   " + status + (changed ? "" : " (redelivery: ignored)"));
        }

        Thread.sleep(200); // let the writer print
        MetricsSnapshot m = stream.metrics();
        System.out.printf("%nmetrics apvs_detected=%d apvs_confirmed=%d patches_applied=%d%n",
                m.apvsDetected(), m.apvsConfirmed(), m.patchesApplied());
        System.out.printf("        mttr_avg_seconds=%.0f success_rate=%.2f apvs_per_hour=%d%n",
                m.mttrAvgSeconds(), m.successRate(), m.apvsPerHour());
        stream.stop();
    }

    private static String apvJson(String cve, Instant detected) {
        String naive = detected.toString().replace("Z", ""); // Python writes naive UTC timestamps
        return """
                {"cve_id": "%s", "aliases": [], "published": "%s", "modified": "%s", "processed_at": "%s",
                 "summary": "Path traversal in example-lib", "details": "Crafted archive entries escape the target directory.",
                 "cvss": {"version": "3.1", "base_score": 8.1, "severity": "HIGH",
                          "vector_string": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:N"},
                 "priority": "high",
                 "affected_packages": [{"ecosystem": "PyPI", "name": "example-lib", "affected_versions": ["1.0"],
                                        "fixed_versions": ["1.1"], "has_fix": true}],
                 "ast_grep_patterns": [], "recommended_strategy": "dependency_upgrade",
                 "remediation_complexity": "low", "remediation_notes": null,
                 "maximus_context": {"affected_services": ["payments-api"], "exploit_available": false},
                 "source_feed": "OSV.dev", "oraculo_version": "1.0.0",
                 "_published_at": "%s", "_publisher": "maximus_oraculo"}
                """.formatted(cve, naive, naive, naive, naive);
    }
}
