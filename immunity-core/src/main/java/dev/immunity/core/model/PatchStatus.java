package dev.immunity.core.model;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/**
 * Patch lifecycle: {@code pending → validating → applied → merged} on success,
 * {@code failed → rolled_back} on failure.
 */
public enum PatchStatus {
    PENDING(0), VALIDATING(1), APPLIED(2), MERGED(3), FAILED(3), ROLLED_BACK(4);

    private final int rank;

    PatchStatus(int rank) {
        this.rank = rank;
    }

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Merged or rolled back: nothing moves a patch out of these. */
    public boolean isFinal() {
        return this == MERGED || this == ROLLED_BACK;
    }

    /** A state that counts as an outcome for the success rate: merged, failed or rolled back. */
    public boolean isTerminal() {
        return this == MERGED || this == FAILED || this == ROLLED_BACK;
    }

    /** Failed or rolled back. */
    public boolean isFailure() {
        return this == FAILED || this == ROLLED_BACK;
    }

    /** Applied, or past applied on the success path. */
    public boolean isApplied() {
        return this == APPLIED || this == MERGED;
    }

    /**
     * Whether a later message saying {@code next} moves a patch that is {@code this} forward.
     * Patches only move forward: a late or repeated message never moves one back.
     */
    public boolean canMoveTo(PatchStatus next) {
        if (next == this || isFinal()) {
            return false;
        }
        return next.rank > rank || next.isFailure();
    }

    /** Parses the wire spelling (case-insensitive; {@code rolled-back} also accepted); {@code null} when unknown. */
    public static PatchStatus fromWire(String text) {
        if (text == null) {
            return null;
        }
        String t = text.strip().toLowerCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
        for (PatchStatus s : values()) {
            if (s.wire().equals(t)) {
                return s;
            }
        }
        return null;
    }
}
