package dev.immunity.core.json;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The digit-by-digit timestamp reader gives exactly what java.time's ISO parsers give, and refuses what they refuse. */
class FieldsTimeTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "2025-10-11T14:30:22", "2025-10-11T14:30:22.123456", "2025-10-11T14:30:22.1", "2025-10-11T14:30:22.123456789",
            "2025-10-11T14:30:22Z", "2025-10-11T14:30:22.5Z", "2025-10-11T14:30:22+02:00", "2025-10-11T14:30:22.75-05:30",
            "2024-02-29T23:59:59.999999999+14:00", "0001-01-01T00:00:00Z", "  2025-10-11T14:30:22Z ",
            // Shapes the fast path leaves to the formatters:
            "2025-10-11T14:30", "2025-10-11t14:30:22", "2025-10-11T14:30:22z", "2025-10-11T14:30:22+0200",
            "2025-10-11T14:30:22+02:00:30", "+12025-10-11T14:30:22Z",
            // Not timestamps at all, or out of range:
            "2025-13-11T14:30:22", "2025-02-30T14:30:22Z", "2025-10-11T24:30:22", "2025-10-11T14:60:22",
            "2025-10-11T14:30:22.", "2025-10-11T14:30:22.1234567891", "2025-10-11T14:30:22+19:00", "2025-10-11T14:30:22+02:60",
            "2025-1a-11T14:30:22", "2025-10-11 14:30:22", "2025-10-11T14:30:22Zjunk", "yesterday", "", "٢٠٢٥-10-11T14:30:22"})
    void readsEveryShapeAsJavaTimeDoes(String text) {
        assertThat(Fields.tryParseTime(text)).isEqualTo(javaTime(text.strip()));
    }

    private static Optional<Instant> javaTime(String t) {
        try {
            return Optional.of(OffsetDateTime.parse(t).toInstant());
        } catch (DateTimeParseException e) {
            try {
                return Optional.of(LocalDateTime.parse(t).toInstant(ZoneOffset.UTC));
            } catch (DateTimeParseException e2) {
                return Optional.empty();
            }
        }
    }
}
