package dev.immunity.core.store;

/**
 * Bounds of the {@link EventStore}.
 *
 * @param maxApvs     APVs (latest state per CVE) kept; the least recently detected are dropped first
 * @param maxPatches  patches kept; the least recently updated are dropped first
 */
public record StoreSettings(int maxApvs, int maxPatches) {
    public StoreSettings {
        if (maxApvs < 1) {
            throw new IllegalArgumentException("maxApvs must be at least 1 (got " + maxApvs + ")");
        }
        if (maxPatches < 1) {
            throw new IllegalArgumentException("maxPatches must be at least 1 (got " + maxPatches + ")");
        }
    }

    /** 10,000 APVs, 50,000 patches. */
    public static StoreSettings defaults() {
        return new StoreSettings(10_000, 50_000);
    }
}
