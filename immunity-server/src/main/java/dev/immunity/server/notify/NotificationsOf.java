package dev.immunity.server.notify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.core.model.Apv;
import dev.immunity.core.sla.Ownership;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** The notification a stream message calls for, if any: an SLA at risk or breached, a new APV, a failed patch. */
final class NotificationsOf {
    private NotificationsOf() {
    }

    static Notification message(JsonNode m, Ownership ownership, Function<String, Optional<Apv>> apvs) {
        JsonNode p = m.path("payload");
        return switch (m.path("type").asText()) {
            case "sla" -> sla(p, Instant.parse(m.path("timestamp").asText()));
            case "apv" -> apv(p, ownership);
            case "patch" -> patch(p, ownership, apvs);
            default -> null;
        };
    }

    private static Notification sla(JsonNode p, Instant at) {
        String state = p.path("state").asText();
        NotifySettings.Event event = switch (state) {
            case "at_risk" -> NotifySettings.Event.SLA_AT_RISK;
            case "breached" -> NotifySettings.Event.SLA_BREACHED;
            default -> null;
        };
        if (event == null) {
            return null;
        }
        String cve = p.path("cve_id").asText();
        String priority = p.path("priority").asText(null);
        Instant deadline = Instant.parse(p.path("deadline").asText());
        Duration left = Duration.between(at, deadline);
        String title = event == NotifySettings.Event.SLA_BREACHED
                ? "SLA breached: " + cve + " (" + priority + ") is past its deadline"
                : "SLA at risk: " + cve + " (" + priority + ") is due in " + human(left);
        List<Notification.Fact> facts = new ArrayList<>();
        facts.add(new Notification.Fact("deadline", deadline.toString()));
        addOwnerAndServices(facts, text(p, "owner"), strings(p.path("services")));
        return new Notification(event, event.wire() + ":" + cve + ":" + deadline, cve, priority,
                strings(p.path("services")), text(p, "owner"), title, null, facts);
    }

    private static Notification apv(JsonNode p, Ownership ownership) {
        String cve = p.path("cve_id").asText();
        String priority = text(p, "priority");
        List<String> services = strings(p.path("affected_services"));
        String owner = ownership.ownerOf(services);
        List<Notification.Fact> facts = new ArrayList<>();
        if (p.path("cvss").path("base_score").isNumber()) {
            facts.add(new Notification.Fact("CVSS", p.path("cvss").path("base_score").asText()));
        }
        addOwnerAndServices(facts, owner, services);
        return new Notification(NotifySettings.Event.APV, "apv:" + cve + ":" + p.path("processed_at").asText(), cve,
                priority, services, owner, "New " + priority + " APV: " + cve, text(p, "summary"), facts);
    }

    private static Notification patch(JsonNode p, Ownership ownership, Function<String, Optional<Apv>> apvs) {
        String status = p.path("status").asText();
        NotifySettings.Event event = switch (status) {
            case "failed" -> NotifySettings.Event.PATCH_FAILED;
            case "rolled_back" -> NotifySettings.Event.PATCH_ROLLED_BACK;
            default -> null;
        };
        if (event == null) {
            return null;
        }
        String cve = p.path("cve_id").asText();
        Optional<Apv> apv = apvs.apply(cve);
        List<String> services = apv.map(Apv::affectedServices).orElse(List.of());
        String priority = apv.map(a -> a.priority().wire()).orElse(null);
        String owner = ownership.ownerOf(services);
        List<Notification.Fact> facts = new ArrayList<>();
        facts.add(new Notification.Fact("patch", p.path("patch_id").asText()));
        if (text(p, "strategy") != null) {
            facts.add(new Notification.Fact("strategy", text(p, "strategy")));
        }
        if (text(p, "error_message") != null) {
            facts.add(new Notification.Fact("error", text(p, "error_message")));
        }
        if (text(p, "pr_url") != null) {
            facts.add(new Notification.Fact("PR", text(p, "pr_url")));
        }
        addOwnerAndServices(facts, owner, services);
        return new Notification(event, event.wire() + ":" + p.path("patch_id").asText(), cve, priority, services, owner,
                (event == NotifySettings.Event.PATCH_FAILED ? "Patch failed for " : "Patch rolled back for ") + cve,
                apv.map(Apv::summary).orElse(null), facts);
    }

    private static void addOwnerAndServices(List<Notification.Fact> facts, String owner, List<String> services) {
        if (owner != null) {
            facts.add(new Notification.Fact("owner", owner));
        }
        if (!services.isEmpty()) {
            facts.add(new Notification.Fact("services", String.join(", ", services)));
        }
    }

    private static String human(Duration d) {
        long s = Math.max(0, d.toSeconds());
        return s >= 86_400 ? s / 86_400 + "d " + s % 86_400 / 3600 + "h" : s >= 3600 ? s / 3600 + "h " + s % 3600 / 60 + "m"
                : s / 60 + "m " + s % 60 + "s";
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.path(field);
        return v.isTextual() ? v.asText() : null;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(v -> out.add(v.asText()));
        return out;
    }
}
