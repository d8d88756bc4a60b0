package dev.immunity.cli.watch;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * What the dashboard's {@code /} filter keeps: {@code p:critical} (or {@code priority:}), {@code s:payments}
 * (or {@code service:}), and any other words as free text matched against the CVE id, summary and
 * services, case-insensitively. Several priorities or services match any of them; words must all match.
 */
public record ViewFilter(Set<String> priorities, Set<String> services, java.util.List<String> words, String text) {
    public static final ViewFilter NONE = new ViewFilter(Set.of(), Set.of(), java.util.List.of(), "");

    public ViewFilter {
        priorities = Set.copyOf(priorities);
        services = Set.copyOf(services);
        words = java.util.List.copyOf(words);
    }

    /** Parses what was typed after {@code /}. */
    public static ViewFilter parse(String input) {
        Set<String> p = new LinkedHashSet<>();
        Set<String> s = new LinkedHashSet<>();
        var w = new java.util.ArrayList<String>();
        for (String token : input.strip().split("\\s+")) {
            if (token.isEmpty()) {
                continue;
            }
            String t = token.toLowerCase(Locale.ROOT);
            if (t.startsWith("p:") || t.startsWith("priority:")) {
                for (String v : t.substring(t.indexOf(':') + 1).split(",")) {
                    if (!v.isEmpty()) {
                        p.add(v);
                    }
                }
            } else if (t.startsWith("s:") || t.startsWith("service:")) {
                for (String v : t.substring(t.indexOf(':') + 1).split(",")) {
                    if (!v.isEmpty()) {
                        s.add(v);
                    }
                }
            } else {
                w.add(t);
            }
        }
        return new ViewFilter(p, s, w, input.strip());
    }

    public boolean isNone() {
        return priorities.isEmpty() && services.isEmpty() && words.isEmpty();
    }

    public boolean matches(DashboardState.ApvRow apv) {
        if (!priorities.isEmpty() && !priorities.contains(String.valueOf(apv.priority()).toLowerCase(Locale.ROOT))) {
            return false;
        }
        if (!services.isEmpty() && apv.services().stream().noneMatch(x -> services.contains(x.toLowerCase(Locale.ROOT)))) {
            return false;
        }
        String hay = (apv.cve() + " " + apv.summary() + " " + String.join(" ", apv.services())).toLowerCase(Locale.ROOT);
        return words.stream().allMatch(hay::contains);
    }
}
