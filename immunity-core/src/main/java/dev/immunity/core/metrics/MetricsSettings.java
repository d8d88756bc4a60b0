package dev.immunity.core.metrics;

/**
 * Settings of a {@link MetricsEngine}.
 *
 * @param mttrBasis      what stops the MTTR clock
 * @param maxTrackedCves how many CVEs the engine keeps per-CVE state for (at least 1); beyond that the
 *                       CVE with the oldest detection time is forgotten (see {@link MetricsEngine})
 */
public record MetricsSettings(MttrBasis mttrBasis, int maxTrackedCves) {

    /** The default bound on tracked CVEs. */
    public static final int DEFAULT_MAX_TRACKED_CVES = 100_000;

    /**
     * @throws IllegalArgumentException when a value is missing or out of range, naming it
     */
    public MetricsSettings {
        if (mttrBasis == null) {
            throw new IllegalArgumentException("mttrBasis must be merged or applied, got null");
        }
        if (maxTrackedCves < 1) {
            throw new IllegalArgumentException("maxTrackedCves must be at least 1, got " + maxTrackedCves);
        }
    }

    /** Settings with the given basis and the default bound. */
    public MetricsSettings(MttrBasis mttrBasis) {
        this(mttrBasis, DEFAULT_MAX_TRACKED_CVES);
    }

    /** MTTR basis {@code merged}, at most {@value #DEFAULT_MAX_TRACKED_CVES} tracked CVEs. */
    public static MetricsSettings defaults() {
        return new MetricsSettings(MttrBasis.MERGED, DEFAULT_MAX_TRACKED_CVES);
    }

    /** These settings with another MTTR basis. */
    public MetricsSettings withMttrBasis(MttrBasis basis) {
        return new MetricsSettings(basis, maxTrackedCves);
    }

    /** These settings with another bound on tracked CVEs. */
    public MetricsSettings withMaxTrackedCves(int max) {
        return new MetricsSettings(mttrBasis, max);
    }
}
