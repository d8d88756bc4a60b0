package dev.immunity.core.store;

import dev.immunity.core.TestEvents;
import dev.immunity.core.model.Patch;
import dev.immunity.core.model.PatchDiff;
import dev.immunity.core.model.PatchStatus;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** Patch diffs are kept bounded: one cut at a line end past the size kept, all of them within their budget. */
class EventStoreDiffTest {
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    private static Patch withDiff(String id, String diff) {
        return TestEvents.patch(id, "CVE-2026-0001", PatchStatus.PENDING, T).withDiff(PatchDiff.of(diff));
    }

    private static String lines(int n, String prefix) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(prefix).append(" line ").append(i).append('\n');
        }
        return b.toString();
    }

    @Test
    void aDiffOverTheSizeKept_isCutAtALineEnd_andSaysSoWithItsSize() {
        EventStore store = new EventStore(new StoreSettings(10, 10, 64L * 1024 * 1024, 2048));
        String big = lines(400, "+añadido"); // non-ASCII: sizes are UTF-8 bytes
        store.apply(withDiff("p1", big));

        PatchDiff held = store.patch("p1").orElseThrow().diff();
        assertThat(held.truncated()).isTrue();
        assertThat(held.originalBytes()).isEqualTo(big.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        assertThat(held.content().getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isLessThanOrEqualTo(2048);
        assertThat(held.content()).endsWith("\n");
        assertThat(big).startsWith(held.content());

        store.apply(withDiff("p2", "small\n"));
        assertThat(store.patch("p2").orElseThrow().diff()).isEqualTo(new PatchDiff("small\n", false, 6));
    }

    @Test
    void aLaterStateWithoutADiff_keepsTheDiff_andItIsCountedOnce() {
        EventStore store = new EventStore(StoreSettings.defaults());
        store.apply(withDiff("p1", "-a\n+b\n"));
        store.apply(TestEvents.patch("p1", "CVE-2026-0001", PatchStatus.VALIDATING, T.plusSeconds(5)));

        Patch held = store.patch("p1").orElseThrow();
        assertThat(held.status()).isEqualTo(PatchStatus.VALIDATING);
        assertThat(held.diff().content()).isEqualTo("-a\n+b\n");
        assertThat(store.diffBytes()).isEqualTo(2L * "-a\n+b\n".length());
    }

    @Test
    void beyondTheirBudget_theLeastRecentlyUpdatedPatchesReleaseTheirDiffs_andKeepTheirLineCount() {
        // A quarter of 256 KiB for diffs: 64 KiB, so three diffs of about 24 KiB of heap do not all fit.
        EventStore store = new EventStore(new StoreSettings(10, 10, 256 * 1024, 64 * 1024));
        String diff = lines(1000, "+x"); // ~12,000 characters, ~24 KB of heap
        for (String id : new String[] {"p1", "p2", "p3"}) {
            store.apply(withDiff(id, diff).withStatus(PatchStatus.PENDING, T));
        }
        assertThat(store.patch("p1").orElseThrow().diff()).isNull();
        assertThat(store.patch("p1").orElseThrow().diffLines()).isEqualTo(1000);
        assertThat(store.patch("p2").orElseThrow().diff()).isNotNull();
        assertThat(store.patch("p3").orElseThrow().diff()).isNotNull();
        assertThat(store.diffBytes()).isLessThanOrEqualTo(64 * 1024);
        assertThat(store.patchCount()).isEqualTo(3);
    }
}
