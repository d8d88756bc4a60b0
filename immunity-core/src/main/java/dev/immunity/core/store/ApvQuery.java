package dev.immunity.core.store;

import dev.immunity.core.model.Apv;
import dev.immunity.core.model.Priority;

import java.util.Set;

/**
 * Which APVs to list.
 *
 * @param limit      at most this many, newest first
 * @param priorities only these priorities (empty = all)
 * @param service    only APVs affecting this service (null = all)
 * @param anyOf      only APVs affecting at least one of these services, a team's (null = all)
 */
public record ApvQuery(int limit, Set<Priority> priorities, String service, Set<String> anyOf) {
    public ApvQuery {
        priorities = Set.copyOf(priorities);
        anyOf = anyOf == null ? null : Set.copyOf(anyOf);
    }

    public ApvQuery(int limit, Set<Priority> priorities, String service) {
        this(limit, priorities, service, null);
    }

    boolean matches(Apv apv) {
        return (priorities.isEmpty() || priorities.contains(apv.priority()))
                && (service == null || apv.affectedServices().contains(service))
                && (anyOf == null || apv.affectedServices().stream().anyMatch(anyOf::contains));
    }
}
