package dev.immunity.core;

import dev.immunity.core.json.Json;
import dev.immunity.core.model.AffectedPackage;
import dev.immunity.core.model.Apv;
import dev.immunity.core.model.Patch;
import dev.immunity.core.model.PatchStatus;
import dev.immunity.core.model.Priority;

import java.time.Instant;
import java.util.List;

/** Small, valid events for tests: only what a test cares about is a parameter. */
public final class TestEvents {
    private TestEvents() {
    }

    /** An APV for {@code cveId}, detected (processed) at {@code detectedAt}. */
    public static Apv apv(String cveId, Priority priority, Instant detectedAt) {
        return apv(cveId, priority, detectedAt, List.of());
    }

    /** An APV for {@code cveId} affecting {@code services}. */
    public static Apv apv(String cveId, Priority priority, Instant detectedAt, List<String> services) {
        return new Apv(
                cveId,
                List.of(),
                detectedAt,
                detectedAt,
                detectedAt,
                "Test vulnerability " + cveId,
                "A vulnerability used by the tests; nothing real is affected.",
                null,
                priority,
                List.of(new AffectedPackage("PyPI", "example-package", List.of("1.0.0"), List.of("1.0.1"),
                        null, null, null, true)),
                List.of(),
                "dependency_upgrade",
                "low",
                null,
                Json.mapper().createObjectNode(),
                "OSV.dev",
                "test",
                priority == Priority.CRITICAL,
                false,
                true,
                services,
                detectedAt,
                "test");
    }

    /** Patch {@code patchId} for {@code cveId}, in {@code status} since {@code at}. */
    public static Patch patch(String patchId, String cveId, PatchStatus status, Instant at) {
        return new Patch(
                patchId,
                cveId,
                status,
                "dependency_upgrade",
                0.9,
                List.of("requirements.txt"),
                null,
                null,
                null,
                null,
                null,
                null,
                status.isFailure() ? "test failure" : null,
                at,
                at,
                status.isTerminal() ? at : null,
                null,
                List.of("dependency_upgrade"),
                at,
                null);
    }
}
