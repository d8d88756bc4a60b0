package dev.immunity.core.sla;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which team owns which service. An APV is owned by the team of the first of its services that has one.
 *
 * @param teams the services of each team, in the order given
 */
public record Ownership(Map<String, List<String>> teams) {
    /** No ownership map: nothing has an owner. */
    public static final Ownership NONE = new Ownership(Map.of());

    public Ownership {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        Map<String, String> seen = new LinkedHashMap<>();
        teams.forEach((team, services) -> {
            if (team == null || team.isBlank()) {
                throw new IllegalArgumentException("a team must have a name");
            }
            for (String s : services) {
                String other = seen.putIfAbsent(s, team);
                if (other != null && !other.equals(team)) {
                    throw new IllegalArgumentException("service " + s + " is owned by both " + other + " and " + team);
                }
            }
            copy.put(team, List.copyOf(services));
        });
        teams = java.util.Collections.unmodifiableMap(copy);
    }

    /** The team owning the first of these services that has one, or null. */
    public String ownerOf(List<String> services) {
        for (String s : services) {
            for (var e : teams.entrySet()) {
                if (e.getValue().contains(s)) {
                    return e.getKey();
                }
            }
        }
        return null;
    }

    /** The services a team owns; empty when the team is unknown. */
    public Set<String> services(String team) {
        return new LinkedHashSet<>(teams.getOrDefault(team, List.of()));
    }

    public boolean knows(String team) {
        return teams.containsKey(team);
    }
}
