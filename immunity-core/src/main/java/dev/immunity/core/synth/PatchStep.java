package dev.immunity.core.synth;

import dev.immunity.core.model.Patch;

import java.time.Duration;
import java.util.Objects;

/**
 * One planned patch state: emit {@code patch} {@code delay} after its APV was detected. The patch's
 * {@code updatedAt} is that detection time plus {@code delay}.
 *
 * @param delay time after the APV's detection ({@code processed_at}); positive
 * @param patch the patch in the state to emit
 */
public record PatchStep(Duration delay, Patch patch) {
    public PatchStep {
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(patch, "patch");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative (got " + delay + ")");
        }
    }
}
