package dev.immunity.server.rest;

import io.helidon.common.parameters.Parameters;

import java.util.List;
import java.util.Optional;

/** Reads query parameters, answering 400 with the parameter's name when one is wrong. */
final class QueryParams {
    private final Parameters query;

    QueryParams(Parameters query) {
        this.query = query;
    }

    Optional<String> text(String name, int maxLength) {
        if (!query.contains(name)) {
            return Optional.empty();
        }
        String v = query.first(name).orElse("").strip();
        if (v.isEmpty()) {
            return Optional.empty();
        }
        if (v.length() > maxLength) {
            throw new BadRequestException(name + " is too long (at most " + maxLength + " characters)", name);
        }
        return Optional.of(v);
    }

    List<String> all(String name) {
        return query.contains(name) ? query.all(name) : List.of();
    }

    int limit(String name, int defaultValue, int max) {
        Optional<String> v = text(name, 10);
        if (v.isEmpty()) {
            return defaultValue;
        }
        try {
            int n = Integer.parseInt(v.get());
            if (n < 1) {
                throw new BadRequestException(name + " must be at least 1 (got " + n + ")", name);
            }
            return Math.min(n, max);
        } catch (NumberFormatException e) {
            throw new BadRequestException(name + " must be a whole number between 1 and " + max, name);
        }
    }

    boolean flag(String name) {
        Optional<String> v = text(name, 5);
        if (v.isEmpty()) {
            return false;
        }
        return switch (v.get().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new BadRequestException(name + " must be true or false", name);
        };
    }
}
