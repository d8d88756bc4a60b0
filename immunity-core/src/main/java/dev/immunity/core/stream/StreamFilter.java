package dev.immunity.core.stream;

import dev.immunity.core.model.Priority;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What one client wants to see of APV and patch events. Patches are matched by their CVE's APV.
 * Metrics and heartbeats always pass.
 *
 * @param priorities only these priorities (empty = all)
 * @param services   only events affecting at least one of these services (empty = all)
 */
public record StreamFilter(Set<Priority> priorities, Set<String> services) {
    /** Everything. */
    public static final StreamFilter ALL = new StreamFilter(Set.of(), Set.of());

    public StreamFilter {
        priorities = Set.copyOf(priorities);
        services = Set.copyOf(services);
    }

    /**
     * Parses the query-parameter form: comma-separated priorities and services.
     *
     * @throws IllegalArgumentException naming the bad priority
     */
    public static StreamFilter parse(Collection<String> priorityParams, Collection<String> serviceParams) {
        Set<Priority> priorities = split(priorityParams).stream().map(p -> {
            Priority parsed = Priority.fromWire(p);
            if (parsed == null) {
                throw new IllegalArgumentException("priority: must be one of critical, high, medium, low (got \""
                        + p.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]", "?") + "\")");
            }
            return parsed;
        }).collect(Collectors.toSet());
        return new StreamFilter(priorities, Set.copyOf(split(serviceParams)));
    }

    private static List<String> split(Collection<String> params) {
        return params.stream().flatMap(v -> java.util.Arrays.stream(v.split(",")))
                .map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /** Whether this filter lets everything through. */
    public boolean isAll() {
        return priorities.isEmpty() && services.isEmpty();
    }

    /**
     * Whether an event with these attributes passes.
     *
     * @param priority the APV's priority, or null when unknown (passes only a filter without priorities)
     * @param affected the APV's affected services
     */
    public boolean matches(Priority priority, List<String> affected) {
        if (!priorities.isEmpty() && (priority == null || !priorities.contains(priority))) {
            return false;
        }
        if (services.isEmpty()) {
            return true;
        }
        for (String s : affected) {
            if (services.contains(s)) {
                return true;
            }
        }
        return false;
    }
}
