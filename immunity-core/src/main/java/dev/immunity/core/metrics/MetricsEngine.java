package dev.immunity.core.metrics;

import dev.immunity.core.model.Apv;
import dev.immunity.core.model.MetricsSnapshot;
import dev.immunity.core.model.MetricsSnapshot.PriorityMetrics;
import dev.immunity.core.model.Patch;
import dev.immunity.core.model.PatchStatus;
import dev.immunity.core.model.Priority;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Turns the stream of APVs and patch states into the {@link MetricsSnapshot} people act on.
 *
 * <h2>Definitions</h2>
 * <ul>
 *   <li><b>apvs_detected</b>: distinct CVEs seen by {@link #recordApv}. A CVE is detected at the
 *       {@linkplain Apv#detectedAt() processing time} of the first APV seen for it; later APVs for the same CVE
 *       only change its priority (the latest wins).</li>
 *   <li><b>apvs_confirmed</b>: detected CVEs with at least one patch, whatever its status. A patch may arrive
 *       before its APV: it is remembered and the CVE counts as confirmed when the APV arrives.</li>
 *   <li><b>patches_applied</b>: patches that reached {@code applied} or {@code merged} (once per patch);
 *       <b>patches_merged</b>; <b>patches_failed</b>: patches that reached {@code failed} or
 *       {@code rolled_back} (once per patch); <b>patches_open</b>: tracked patches whose latest status is
 *       {@code pending}, {@code validating} or {@code applied}.</li>
 *   <li><b>MTTR</b>: per CVE, from its detection to the event time of its first (earliest) merged patch, or
 *       its first applied-or-merged patch under {@link MttrBasis#APPLIED}; one sample per CVE, negative
 *       durations (clock skew) count as 0. Mean, and p50/p90 by the <em>nearest-rank</em> method: the
 *       p-th percentile of n ascending samples is the sample of rank {@code ceil(p/100 × n)} (1-based), so
 *       it is always an observed value. All {@code null} while there is no sample.</li>
 *   <li><b>success_rate</b>: merged ÷ (merged + failed) over patches in a terminal state; a patch failed
 *       then rolled back is one failure. {@code null} while no patch is terminal.</li>
 *   <li><b>apvs_per_hour</b>: CVEs detected in {@code (now − 60 min, now]}; {@code null} until the first
 *       APV, {@code 0} when there were APVs but none in that window.</li>
 *   <li><b>by_priority</b>: all four priorities, each with its detected count, MTTR figures and the
 *       success rate of the patches of its CVEs (a patch counts for its CVE's priority once the APV is known,
 *       and follows the CVE when its priority changes).</li>
 *   <li><b>series</b>: 60 one-minute buckets ending with the minute containing {@code now}, each event in
 *       the minute of its event time (detection; first patch; reaching applied/merged/failed; remediation for
 *       MTTR; becoming terminal for the success rate). Events outside the window are not shown.</li>
 * </ul>
 * "No data yet" is always {@code null}, never {@code 0}.
 *
 * <h2>Redelivery and ordering</h2>
 * Patches only move forward ({@link PatchStatus#canMoveTo}); the first message for an unknown patch id is
 * accepted whatever its status. An exact redelivery, a repeated status or a status that would move a patch
 * back changes nothing.
 *
 * <h2>Memory</h2>
 * The engine keeps per-CVE state (and the state of that CVE's patches) for at most
 * {@link MetricsSettings#maxTrackedCves()} CVEs; beyond that it forgets the CVE with the oldest detection time
 * (a CVE known only from its patches is ordered by its first patch's event time). The counts are
 * running totals and stay as they were when a CVE is forgotten; the MTTR figures and apvs_per_hour cover the
 * CVEs still tracked, and patches_open stops counting the forgotten CVE's patches. A message about a forgotten
 * CVE or patch is taken as new (an APV redelivered after its CVE was forgotten counts again).
 *
 * <h2>Threads</h2>
 * All methods may be called from any thread; they are serialised by one lock. {@link #snapshot()} costs
 * O(CVEs detected in the last hour) plus the 60 series buckets: totals and MTTR samples are maintained as
 * events arrive.
 */
public final class MetricsEngine {
    private static final Duration HOUR = Duration.ofMinutes(60);
    private static final Priority[] PRIORITIES = Priority.values();

    private final InstantSource clock;
    private final MetricsSettings settings;
    private final ReentrantLock lock = new ReentrantLock();

    private final Map<String, CveState> cves = new HashMap<>();
    private final Map<String, PatchState> patches = new HashMap<>();
    /** Tracked CVEs, oldest first: the eviction order, and the detection-time index for apvs_per_hour. */
    private final TreeSet<CveState> byAge =
            new TreeSet<>(Comparator.comparing((CveState c) -> c.orderTime).thenComparingLong(c -> c.seq));
    private long nextSeq;

    private long detected;
    private long confirmed;
    private long applied;
    private long merged;
    private long failed;
    private long open;
    private final SortedSamples mttr = new SortedSamples();

    private final long[] detectedBy = new long[PRIORITIES.length];
    private final long[] mergedBy = new long[PRIORITIES.length];
    private final long[] failedBy = new long[PRIORITIES.length];
    private final SortedSamples[] mttrBy = new SortedSamples[PRIORITIES.length];

    private final MinuteWindow window = new MinuteWindow();

    /**
     * @param clock    the time snapshots are computed at, and that decides which minutes the series keeps
     * @param settings MTTR basis and memory bound
     */
    public MetricsEngine(InstantSource clock, MetricsSettings settings) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.settings = Objects.requireNonNull(settings, "settings");
        for (int i = 0; i < mttrBy.length; i++) {
            mttrBy[i] = new SortedSamples();
        }
    }

    /** The settings this engine runs with. */
    public MetricsSettings settings() {
        return settings;
    }

    /**
     * Records an APV: a newly detected CVE, or a later state of a known one (which may change its priority
     * but is never counted again).
     *
     * @throws NullPointerException when the APV has no CVE id, priority or detection time
     */
    public void recordApv(Apv apv) {
        Objects.requireNonNull(apv, "apv");
        String cveId = Objects.requireNonNull(apv.cveId(), "apv.cveId");
        Priority priority = Objects.requireNonNull(apv.priority(), "apv.priority");
        Instant detectedAt = Objects.requireNonNull(apv.detectedAt(), "apv.detectedAt (processed_at)");
        lock.lock();
        try {
            Instant now = clock.instant();
            CveState cve = cves.get(cveId);
            if (cve == null) {
                cve = track(cveId, detectedAt);
            } else if (cve.detected()) {
                if (cve.priority != priority) {
                    changePriority(cve, priority);
                }
                return;
            } else {
                byAge.remove(cve);
                cve.orderTime = detectedAt;
                byAge.add(cve);
            }
            detect(cve, detectedAt, priority, now);
            evictOverflow();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Records the new state of a patch, at its {@linkplain Patch#updatedAt() event time} (the time of the call
     * when it has none). Idempotent: a status the patch already had, or one that would move it back, is ignored.
     *
     * @throws NullPointerException when the patch has no id, CVE id or status
     */
    public void recordPatch(Patch patch) {
        Objects.requireNonNull(patch, "patch");
        String patchId = Objects.requireNonNull(patch.patchId(), "patch.patchId");
        String cveId = Objects.requireNonNull(patch.cveId(), "patch.cveId");
        PatchStatus status = Objects.requireNonNull(patch.status(), "patch.status");
        lock.lock();
        try {
            Instant now = clock.instant();
            Instant at = patch.updatedAt() != null ? patch.updatedAt() : now;
            PatchState state = patches.get(patchId);
            if (state == null) {
                CveState cve = cves.get(cveId);
                if (cve == null) {
                    cve = track(cveId, at);
                }
                state = new PatchState(patchId, cve);
                patches.put(patchId, state);
                cve.patches.add(state);
                if (cve.firstPatchAt == null) {
                    cve.firstPatchAt = at;
                    if (cve.detected()) {
                        confirm(cve, now);
                    }
                }
            } else if (!state.status.canMoveTo(status)) {
                return;
            }
            move(state, status, at, now);
            evictOverflow();
        } finally {
            lock.unlock();
        }
    }

    /** The metrics at {@code clock.instant()}. */
    public MetricsSnapshot snapshot() {
        lock.lock();
        try {
            Instant now = clock.instant();
            Map<Priority, PriorityMetrics> byPriority = new EnumMap<>(Priority.class);
            for (Priority p : PRIORITIES) {
                int i = p.ordinal();
                SortedSamples s = mttrBy[i];
                byPriority.put(p, new PriorityMetrics(detectedBy[i], s.mean(), s.percentile(50), s.percentile(90),
                        s.size(), rate(mergedBy[i], failedBy[i])));
            }
            return new MetricsSnapshot(detected, confirmed, applied, merged, failed, open,
                    mttr.mean(), mttr.percentile(50), mttr.percentile(90), mttr.size(),
                    rate(merged, failed),
                    detected == 0 ? null : detectedInLastHour(now),
                    byPriority, window.series(now), settings.mttrBasis().wire(), now, null);
        } finally {
            lock.unlock();
        }
    }

    private CveState track(String cveId, Instant orderTime) {
        CveState cve = new CveState(cveId, nextSeq++, orderTime);
        cves.put(cveId, cve);
        byAge.add(cve);
        return cve;
    }

    private void detect(CveState cve, Instant detectedAt, Priority priority, Instant now) {
        cve.detectedAt = detectedAt;
        cve.priority = priority;
        int i = priority.ordinal();
        detected++;
        detectedBy[i]++;
        MinuteWindow.Bucket b = window.at(detectedAt, now);
        if (b != null) {
            b.detected++;
        }
        // Outcomes of patches that arrived before the APV now count for its priority.
        mergedBy[i] += cve.merged;
        failedBy[i] += cve.failed;
        if (cve.firstPatchAt != null) {
            confirm(cve, now);
        }
        if (cve.remediatedAt != null) {
            addSample(cve, now);
        }
    }

    private void confirm(CveState cve, Instant now) {
        confirmed++;
        MinuteWindow.Bucket b = window.at(cve.firstPatchAt, now);
        if (b != null) {
            b.confirmed++;
        }
    }

    private void changePriority(CveState cve, Priority to) {
        int from = cve.priority.ordinal();
        int into = to.ordinal();
        detectedBy[from]--;
        detectedBy[into]++;
        mergedBy[from] -= cve.merged;
        mergedBy[into] += cve.merged;
        failedBy[from] -= cve.failed;
        failedBy[into] += cve.failed;
        if (cve.remediatedAt != null) {
            double sample = sample(cve);
            mttrBy[from].remove(sample);
            mttrBy[into].add(sample);
        }
        cve.priority = to;
    }

    private void move(PatchState patch, PatchStatus to, Instant at, Instant now) {
        PatchStatus from = patch.status;
        CveState cve = patch.cve;
        boolean wasOpen = from != null && !from.isTerminal();
        if (!to.isTerminal() && !wasOpen) {
            open++;
        } else if (to.isTerminal() && wasOpen) {
            open--;
        }
        MinuteWindow.Bucket b = to.isApplied() || to.isFailure() ? window.at(at, now) : null;
        if (to.isApplied() && !patch.countedApplied) {
            patch.countedApplied = true;
            applied++;
            if (b != null) {
                b.applied++;
            }
        }
        if (to == PatchStatus.MERGED) { // final: reached at most once per patch
            merged++;
            cve.merged++;
            if (cve.detected()) {
                mergedBy[cve.priority.ordinal()]++;
            }
            if (b != null) {
                b.merged++;
            }
        }
        if (to.isFailure() && !patch.countedFailed) {
            patch.countedFailed = true;
            failed++;
            cve.failed++;
            if (cve.detected()) {
                failedBy[cve.priority.ordinal()]++;
            }
            if (b != null) {
                b.failed++;
            }
        }
        patch.status = to;
        boolean remediates = settings.mttrBasis() == MttrBasis.MERGED ? to == PatchStatus.MERGED : to.isApplied();
        if (remediates && (cve.remediatedAt == null || at.isBefore(cve.remediatedAt))) {
            if (cve.remediatedAt != null && cve.detected()) {
                removeSample(cve, true);
            }
            cve.remediatedAt = at;
            if (cve.detected()) {
                addSample(cve, now);
            }
        }
    }

    private void addSample(CveState cve, Instant now) {
        double sample = sample(cve);
        mttr.add(sample);
        mttrBy[cve.priority.ordinal()].add(sample);
        MinuteWindow.Bucket b = window.at(cve.remediatedAt, now);
        if (b != null) {
            b.mttrSum += sample;
            b.mttrCount++;
            cve.sampleBucket = b;
        }
    }

    /** Removes a CVE's sample from the MTTR figures, and from the series too when it is being replaced. */
    private void removeSample(CveState cve, boolean fromSeries) {
        double sample = sample(cve);
        mttr.remove(sample);
        mttrBy[cve.priority.ordinal()].remove(sample);
        MinuteWindow.Bucket b = cve.sampleBucket;
        cve.sampleBucket = null;
        if (fromSeries && b != null) {
            b.mttrCount--;
            b.mttrSum = b.mttrCount == 0 ? 0.0 : b.mttrSum - sample;
        }
    }

    private static double sample(CveState cve) {
        Duration d = Duration.between(cve.detectedAt, cve.remediatedAt);
        return d.isNegative() ? 0.0 : d.getSeconds() + d.getNano() / 1e9;
    }

    private void evictOverflow() {
        while (cves.size() > settings.maxTrackedCves()) {
            CveState oldest = byAge.pollFirst();
            cves.remove(oldest.cveId);
            if (oldest.detected() && oldest.remediatedAt != null) {
                // The series keeps what happened in its minutes; only the running MTTR figures forget it.
                removeSample(oldest, false);
            }
            for (PatchState p : oldest.patches) {
                patches.remove(p.patchId);
                if (!p.status.isTerminal()) {
                    open--;
                }
            }
        }
    }

    private long detectedInLastHour(Instant now) {
        CveState after = CveState.probe(now.minus(HOUR));
        CveState upTo = CveState.probe(now);
        long n = 0;
        for (CveState c : byAge.subSet(after, false, upTo, true)) {
            if (c.detected()) {
                n++;
            }
        }
        return n;
    }

    private static Double rate(long succeeded, long failedCount) {
        long total = succeeded + failedCount;
        return total == 0 ? null : (double) succeeded / total;
    }

    /** What the engine remembers about one CVE. */
    private static final class CveState {
        final String cveId;
        final long seq;
        /** Detection time; until the APV arrives, the first patch's event time. Key of {@code byAge}. */
        Instant orderTime;
        Instant detectedAt;
        Priority priority;
        Instant firstPatchAt;
        /** Event time of the earliest patch that stops the MTTR clock. */
        Instant remediatedAt;
        /** The series bucket holding this CVE's MTTR sample, if the sample fell inside the window. */
        MinuteWindow.Bucket sampleBucket;
        /** This CVE's patches that are merged, and that failed. */
        int merged;
        int failed;
        final List<PatchState> patches = new ArrayList<>(1);

        CveState(String cveId, long seq, Instant orderTime) {
            this.cveId = cveId;
            this.seq = seq;
            this.orderTime = orderTime;
        }

        /** A key that sorts after every tracked CVE of the same time. */
        static CveState probe(Instant time) {
            return new CveState(null, Long.MAX_VALUE, time);
        }

        boolean detected() {
            return detectedAt != null;
        }
    }

    /** What the engine remembers about one patch. */
    private static final class PatchState {
        final String patchId;
        final CveState cve;
        PatchStatus status;
        boolean countedApplied;
        boolean countedFailed;

        PatchState(String patchId, CveState cve) {
            this.patchId = patchId;
            this.cve = cve;
        }
    }
}
