package dev.immunity.server.notify;

import java.util.List;

/**
 * Something a human should hear about. Text fields are untrusted (they come from advisories and the remediation
 * engine): each format escapes them for its receiver.
 *
 * @param event    what happened
 * @param key      the same on every instance for the same happening: deliveries are deduplicated on it
 * @param cveId    the CVE
 * @param priority its priority, or null
 * @param services the services affected
 * @param owner    the owning team, or null
 * @param title    one line: what happened
 * @param summary  the APV's summary, or null
 * @param facts    further label/value pairs (deadline, patch, error…), in order
 */
public record Notification(NotifySettings.Event event, String key, String cveId, String priority, List<String> services,
                           String owner, String title, String summary, List<Fact> facts) {

    public Notification {
        services = List.copyOf(services);
        facts = List.copyOf(facts);
    }

    /** A label and its (untrusted) value. */
    public record Fact(String label, String value) {
    }
}
