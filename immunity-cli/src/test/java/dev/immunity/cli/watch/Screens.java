package dev.immunity.cli.watch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.immunity.cli.TestApvs;
import dev.immunity.core.json.Json;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A known dashboard state, built through the same pure functions the app uses, from stream envelopes. */
final class Screens {
    static final Instant NOW = Instant.parse("2025-10-11T15:00:00Z");

    private Screens() {
    }

    static JsonNode envelope(String type, Object payload, boolean snapshot, Instant sent) {
        ObjectNode e = Json.mapper().createObjectNode();
        e.put("type", type);
        e.put("timestamp", sent.toString());
        e.set("payload", payload instanceof JsonNode n ? n : Json.tree(payload));
        if (snapshot) {
            e.put("snapshot", true);
        }
        return e;
    }

    static DashboardState known() {
        DashboardState s = DashboardState.initial("http://127.0.0.1:8001", NOW);
        s = s.withStatus(new StreamClient.Status(StreamClient.State.CONNECTED, null, 0, null, 3L));
        ObjectNode hello = Json.mapper().createObjectNode().put("mode", "snapshot").put("cursor", "e-1");
        s = s.withEnvelope(envelope("hello", hello, false, NOW), NOW);
        String[][] apvs = {
                {"CVE-2024-50379", "high", "inventory-service", "Apache Tomcat TOCTOU race condition leads to remote code execution", "8.1"},
                {"CVE-2024-38819", "medium", "catalog", "Spring Framework path traversal in functional web frameworks", "5.3"},
                {"CVE-2024-47554", "low", "reports", "Apache Commons IO XmlStreamReader denial of service", "4.3"},
                {"CVE-2021-44228", "critical", "payments", "Log4Shell: JNDI lookup in Apache Log4j2 allows remote code execution", "10.0"},
                {"CVE-2025-HOSTILE", "critical", "checkout", TestApvs.HOSTILE_SUMMARY, "9.9"},
        };
        Instant t = NOW.minus(Duration.ofMinutes(10));
        for (String[] a : apvs) {
            t = t.plusSeconds(97);
            JsonNode apv = Json.tree(TestApvs.apv(a[0], a[1], a[2], a[3], Double.parseDouble(a[4]), t));
            s = s.withEnvelope(envelope("apv", apv, false, t), t.plusMillis(120));
        }
        // SLA clocks: one breached, one at risk, one within, one met (the last APV has none yet).
        String[][] sla = {
                {"CVE-2024-50379", "at_risk", "PT20H"}, {"CVE-2024-38819", "within", "P80D"},
                {"CVE-2024-47554", "breached", "-PT2H10M"}, {"CVE-2021-44228", "met", "P6D"}};
        for (String[] x : sla) {
            ObjectNode status = Json.mapper().createObjectNode().put("cve_id", x[0]).put("state", x[1])
                    .put("deadline", NOW.plus(Duration.parse(x[2])).toString());
            s = s.withEnvelope(envelope("sla", status, false, NOW), NOW);
        }
        s = s.withEnvelope(envelope("patch", Json.tree(TestApvs.patch("CVE-2021-44228", "merged", NOW.minusSeconds(60))), false, NOW), NOW);
        s = s.withEnvelope(envelope("patch", Json.tree(TestApvs.patch("CVE-2024-50379", "validating", NOW.minusSeconds(30))), false, NOW), NOW);
        s = s.withEnvelope(envelope("metrics", metrics(), false, NOW), NOW.plusMillis(42));
        return s.withStatus(new StreamClient.Status(StreamClient.State.CONNECTED, null, 0, null, 3L)).at(NOW);
    }

    static ObjectNode metrics() {
        ObjectNode m = Json.mapper().createObjectNode();
        m.put("apvs_detected", 5).put("apvs_confirmed", 2).put("patches_applied", 1).put("patches_merged", 1)
                .put("patches_failed", 0).put("patches_open", 1).put("mttr_avg_seconds", 3725.0)
                .put("mttr_p50_seconds", 2700.0).put("mttr_p90_seconds", 7800.0).put("mttr_samples", 1)
                .put("success_rate", 0.923).put("apvs_per_hour", 14);
        ObjectNode sla = m.putObject("sla");
        sla.putObject("breached").put("critical", 0).put("high", 0).put("medium", 0).put("low", 1);
        sla.putObject("at_risk").put("critical", 0).put("high", 1).put("medium", 0).put("low", 0);
        ObjectNode series = m.putObject("series");
        series.put("start", NOW.minus(Duration.ofHours(1)).toString());
        List<Long> detected = new ArrayList<>();
        List<Long> applied = new ArrayList<>();
        var mttr = series.putArray("mttr_avg_seconds");
        var success = series.putArray("success_rate");
        for (int i = 0; i < 60; i++) {
            detected.add((long) ((i * 7) % 11));
            applied.add((long) ((i * 3) % 5));
            if (i % 6 == 0) {
                mttr.addNull();
                success.addNull();
            } else {
                mttr.add(600.0 + (i * 97) % 4000);
                success.add(0.5 + ((i * 13) % 50) / 100.0);
            }
        }
        series.set("apvs_detected", Json.tree(detected));
        series.set("patches_applied", Json.tree(applied));
        return m;
    }
}
