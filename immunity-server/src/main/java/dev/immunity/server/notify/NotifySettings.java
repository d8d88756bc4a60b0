package dev.immunity.server.notify;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Where notifications go ({@code immunity.notify.routes}) and how they are delivered.
 *
 * @param routes        the routes; none: notifications are off
 * @param timeout       how long one delivery attempt may take
 * @param maxAttempts   attempts per delivery before it is given up
 * @param backoff       the first retry's delay; doubled each retry, with jitter
 * @param digestWindow  how long a route gathers after a first notification before sending
 * @param minInterval   the least time between two messages of a route: what arrives meanwhile goes in one digest
 * @param queueCapacity notifications a route holds waiting; beyond it they are dropped, counted and logged
 */
public record NotifySettings(List<Route> routes, Duration timeout, int maxAttempts, Duration backoff,
                             Duration digestWindow, Duration minInterval, int queueCapacity) {

    public static final NotifySettings NONE = new NotifySettings(List.of(), Duration.ofSeconds(10), 5,
            Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30), 1000);

    public NotifySettings {
        routes = List.copyOf(routes);
        if (routes.stream().map(Route::name).distinct().count() != routes.size()) {
            throw new IllegalArgumentException("two routes have the same name");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("max-attempts must be at least 1");
        }
    }

    /** The kinds of notification a route can ask for. */
    public enum Event {
        SLA_BREACHED, SLA_AT_RISK, APV, PATCH_FAILED, PATCH_ROLLED_BACK;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Event fromWire(String s) {
            for (Event e : values()) {
                if (e.wire().equals(s.strip().toLowerCase(Locale.ROOT))) {
                    return e;
                }
            }
            throw new IllegalArgumentException("events: unknown event \"" + s + "\" (sla_breached, sla_at_risk, apv, "
                    + "patch_failed, patch_rolled_back)");
        }
    }

    /** The message shape a receiver expects. */
    public enum Format { SLACK, TEAMS, GENERIC }

    /**
     * One route.
     *
     * @param name       its name, in logs and metrics
     * @param url        an http(s) URL; a secret of the receiver (Slack's and Teams' URLs are): never logged whole
     * @param format     slack, teams or generic
     * @param secret     generic only: the key that signs the body ({@code X-Immunity-Signature-256}), or null
     * @param events     what it is sent
     * @param priorities only these priorities (empty: all)
     * @param services   only APVs affecting one of these services (empty: all)
     * @param teams      only APVs owned by one of these teams, in the ownership map (empty: all)
     */
    public record Route(String name, URI url, Format format, String secret, Set<Event> events, Set<String> priorities,
                        Set<String> services, Set<String> teams) {
        public Route {
            if (name == null || !name.matches("[A-Za-z0-9_.-]{1,64}")) {
                throw new IllegalArgumentException("name: 1-64 letters, digits, '.', '_' or '-' (got " + name + ")");
            }
            if (url == null || !("https".equalsIgnoreCase(url.getScheme()) || "http".equalsIgnoreCase(url.getScheme()))
                    || url.getHost() == null) {
                throw new IllegalArgumentException("route " + name + ": url must be an http(s) URL");
            }
            if (secret != null && format != Format.GENERIC) {
                throw new IllegalArgumentException("route " + name + ": secret is for the generic format only");
            }
            events = Set.copyOf(events);
            priorities = Set.copyOf(priorities);
            services = Set.copyOf(services);
            teams = Set.copyOf(teams);
        }

        /** The URL without its path and query, which for Slack and Teams are the secret: for logs. */
        public String where() {
            return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort()) + "/…";
        }
    }
}
