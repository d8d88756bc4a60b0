package dev.immunity.core.store;

import dev.immunity.core.TestEvents;
import dev.immunity.core.model.Apv;
import dev.immunity.core.model.Priority;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The store is bounded by an estimate of its heap as well as by its count. */
class EventStoreBudgetTest {
    private static final Instant T0 = Instant.parse("2026-11-30T00:00:00Z");

    private static Apv large(int i, int detailChars) {
        Apv a = TestEvents.apv(String.format("CVE-2026-%04d", i), Priority.HIGH, T0.plusSeconds(i), List.of("svc"));
        return new Apv(a.cveId(), a.aliases(), a.published(), a.modified(), a.processedAt(), a.summary(),
                "D".repeat(detailChars), a.cvss(), a.priority(), a.affectedPackages(), a.astGrepPatterns(),
                a.recommendedStrategy(), a.remediationComplexity(), a.remediationNotes(), a.maximusContext(),
                a.sourceFeed(), a.oraculoVersion(), a.isCritical(), a.requiresImmediateAction(), a.hasAutomatedFix(),
                a.affectedServices(), a.publishedAt(), a.publisher());
    }

    @Test
    void largeApvs_evictTheOldest_toStayWithinTheByteBudget_wellBelowTheCount() {
        long budget = 512 * 1024;
        EventStore store = new EventStore(new StoreSettings(10_000, 100, budget));
        for (int i = 0; i < 100; i++) {
            store.apply(large(i, 30_000)); // about 61 KB each
        }
        assertThat(store.apvBytes()).isLessThanOrEqualTo(budget);
        assertThat(store.apvCount()).isBetween(7, 8);
        assertThat(store.apv("CVE-2026-0099")).isPresent(); // the newest are kept
        assertThat(store.apv("CVE-2026-0000")).isEmpty();
    }

    @Test
    void replacingAnApv_accountsForTheOldOneLeaving() {
        EventStore store = new EventStore(new StoreSettings(10, 10, 1024 * 1024));
        Apv first = large(1, 10_000);
        store.apply(first);
        long one = store.apvBytes();
        Apv smaller = large(1, 10);
        store.apply(new Apv(smaller.cveId(), smaller.aliases(), smaller.published(), T0.plusSeconds(99),
                smaller.processedAt(), smaller.summary(), smaller.details(), smaller.cvss(), smaller.priority(),
                smaller.affectedPackages(), smaller.astGrepPatterns(), smaller.recommendedStrategy(),
                smaller.remediationComplexity(), smaller.remediationNotes(), smaller.maximusContext(), smaller.sourceFeed(),
                smaller.oraculoVersion(), smaller.isCritical(), smaller.requiresImmediateAction(), smaller.hasAutomatedFix(),
                smaller.affectedServices(), smaller.publishedAt(), smaller.publisher()));

        assertThat(store.apvCount()).isEqualTo(1);
        assertThat(store.apvBytes()).isEqualTo(EventStore.estimateBytes(store.apv("CVE-2026-0001").orElseThrow()))
                .isLessThan(one);
    }

    @Test
    void openApvs_areNeverEvictedForClosedOnes_andStayBeyondTheCount() {
        EventStore store = new EventStore(new StoreSettings(100, 10_000));
        for (int i = 0; i < 5_000; i++) {
            Apv apv = TestEvents.apv(String.format("CVE-2026-%05d", i), Priority.HIGH, T0.plusSeconds(i));
            store.apply(apv);
            if (i % 50 != 0) { // 100 stay open: every fiftieth
                store.apply(TestEvents.patch("PATCH-" + i, apv.cveId(), dev.immunity.core.model.PatchStatus.MERGED,
                        T0.plusSeconds(i + 1)));
            }
        }
        for (int i = 0; i < 5_000; i += 50) {
            assertThat(store.apv(String.format("CVE-2026-%05d", i))).as("open APV %d", i).isPresent();
        }
        assertThat(store.apvCount()).isEqualTo(100); // every open one; the closed ones made room
        assertThat(store.evictedOpen()).isZero();

        // A merged patch arriving for an old open APV closes it: the next APV may push it out.
        store.apply(TestEvents.patch("PATCH-LATE", "CVE-2026-00000", dev.immunity.core.model.PatchStatus.MERGED,
                T0.plusSeconds(9_000)));
        assertThat(store.apvCount()).isEqualTo(100);
        store.apply(TestEvents.apv("CVE-2026-09999", Priority.LOW, T0.plusSeconds(10_000)));
        assertThat(store.apv("CVE-2026-00000")).isEmpty();
        assertThat(store.apv("CVE-2026-09999")).isPresent();
    }

    @Test
    void openApvs_stayBeyondTheCount_andGoOnlyOverTheByteBudget_counted() {
        EventStore store = new EventStore(new StoreSettings(10, 100, 512 * 1024));
        for (int i = 0; i < 15; i++) {
            store.apply(TestEvents.apv(String.format("CVE-2026-%05d", i), Priority.HIGH, T0.plusSeconds(i)));
        }
        assertThat(store.apvCount()).isEqualTo(15); // all open: none goes for the count
        assertThat(store.evictedOpen()).isZero();

        for (int i = 15; i < 30; i++) {
            store.apply(large(i, 30_000)); // about 61 KB each: the byte budget binds
        }
        assertThat(store.apvBytes()).isLessThanOrEqualTo(512 * 1024);
        assertThat(store.evictedOpen()).isPositive();
        assertThat(store.apv("CVE-2026-00000")).isEmpty();
        assertThat(store.apv("CVE-2026-0029")).isPresent();
    }
}
