package dev.immunity.core.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.immunity.core.json.Json;
import dev.immunity.core.json.WireFormat;
import dev.immunity.core.model.Apv;
import dev.immunity.core.synth.ApvCompletion;
import dev.immunity.core.synth.PatchLifecycle;
import dev.immunity.core.synth.PatchStep;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The demo's APVs and patch lifecycles: a new APV on each {@link #nextApv()} (a CVE id of 2023–2026 never
 * repeated by one generator, completed by {@link ApvCompletion}: packages of eight ecosystems, CVSS 3.1 vectors, a
 * priority mix of about 10% critical, 25% high, 40% medium and 25% low) and its patch states ({@link #plan},
 * {@link PatchLifecycle}).
 *
 * <p>Deterministic: two generators with the same seed, given the same clock readings and the same sequence of
 * calls, produce the same output. Thread-safe; it owns no threads (see {@link DemoStream} for the runner).
 */
public final class DemoGenerator {
    /** An upper bound of the span of a {@link #plan}: its last step's delay is never longer. */
    public static final Duration MAX_LIFECYCLE = PatchLifecycle.MAX_LIFECYCLE;

    private final SplittableRandom rnd;
    private final java.time.InstantSource clock;
    private final Set<String> cveIds = new HashSet<>();

    /**
     * @param seed  the seed of all randomness
     * @param clock the time of {@link #nextApv()}: its {@code processed_at}
     */
    public DemoGenerator(long seed, java.time.InstantSource clock) {
        this.rnd = new SplittableRandom(seed);
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A new APV detected now (its {@code processed_at} is the clock's instant), with a CVE id not used before. */
    public synchronized Apv nextApv() {
        return apvAt(clock.instant());
    }

    /** A new APV detected at {@code detectedAt}; for seeding history. */
    synchronized Apv apvAt(Instant detectedAt) {
        ObjectNode partial = Json.mapper().createObjectNode().put("cve_id", newCveId(detectedAt));
        return WireFormat.parseApv(ApvCompletion.complete(partial, java.time.InstantSource.fixed(detectedAt), rnd));
    }

    /**
     * The patch states to emit for {@code apv}: {@link PatchLifecycle#plan} with this generator's randomness.
     */
    public synchronized List<PatchStep> plan(Apv apv) {
        return PatchLifecycle.plan(apv, rnd);
    }

    /**
     * The wait before the next APV of a stream whose mean interval is {@code mean}: exponentially distributed
     * (a Poisson process), capped at five times the mean and at least a twentieth of it.
     */
    synchronized Duration nextInterval(Duration mean) {
        double factor = Math.min(-Math.log(1 - rnd.nextDouble()), 5.0);
        return Duration.ofNanos(Math.max((long) (mean.toNanos() * factor), mean.toNanos() / 20));
    }

    /** A uniform random number in [0, 1); for spreading history. */
    synchronized double nextUnit() {
        return rnd.nextDouble();
    }

    java.time.InstantSource clock() {
        return clock;
    }

    private String newCveId(Instant at) {
        int thisYear = at.atOffset(ZoneOffset.UTC).getYear();
        int maxYear = Math.clamp(thisYear, 2023, 2026);
        while (true) {
            int year = 2023 + rnd.nextInt(maxYear - 2023 + 1);
            int number = rnd.nextDouble() < 0.4 ? 1000 + rnd.nextInt(9000) : 10000 + rnd.nextInt(50000);
            String id = "CVE-" + year + "-" + number;
            if (cveIds.add(id)) {
                return id;
            }
        }
    }
}
