package dev.immunity.core.json;

/**
 * The largest APV and patch accepted, in bytes as received (the Kafka record value, the Redis entry's data,
 * the trigger's body). Real APVs are 1–3 KB; a larger one is refused (413 from the trigger, dead-lettered
 * from Kafka, counted and logged from Redis) before it is parsed, so no producer can fill the heap.
 *
 * @param maxApvBytes   largest APV, at least 1 KiB
 * @param maxPatchBytes largest patch update (its diff included), at least 1 KiB
 */
public record IngestLimits(int maxApvBytes, int maxPatchBytes) {
    /** 64 KiB per APV, 1 MiB per patch. */
    public static final IngestLimits DEFAULTS = new IngestLimits(64 * 1024, 1024 * 1024);

    public IngestLimits {
        if (maxApvBytes < 1024 || maxPatchBytes < 1024) {
            throw new IllegalArgumentException("ingest limits must be at least 1024 bytes (got " + maxApvBytes
                    + " and " + maxPatchBytes + ")");
        }
    }

    /** @throws InvalidEventException when an APV of {@code bytes} bytes is over the limit */
    public void checkApv(long bytes) {
        if (bytes > maxApvBytes) {
            throw new InvalidEventException("", "APV too large: " + bytes + " bytes, at most " + maxApvBytes);
        }
    }

    /** @throws InvalidEventException when a patch of {@code bytes} bytes is over the limit */
    public void checkPatch(long bytes) {
        if (bytes > maxPatchBytes) {
            throw new InvalidEventException("", "patch too large: " + bytes + " bytes, at most " + maxPatchBytes);
        }
    }
}
