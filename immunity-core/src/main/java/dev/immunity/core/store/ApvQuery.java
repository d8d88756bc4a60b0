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
 */
public record ApvQuery(int limit, Set<Priority> priorities, String service) {
    public ApvQuery {
        priorities = Set.copyOf(priorities);
    }

    boolean matches(Apv apv) {
        return (priorities.isEmpty() || priorities.contains(apv.priority()))
                && (service == null || apv.affectedServices().contains(service));
    }
}
