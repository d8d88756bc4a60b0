package dev.immunity.core.store;

import dev.immunity.core.model.Apv;
import dev.immunity.core.model.Patch;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The latest state per CVE and per patch. Decides whether an incoming message changes anything:
 * an exact redelivery, a stale APV or a patch status that would move backwards changes nothing
 * and is reported as such, so it is neither broadcast nor counted twice. Thread-safe.
 */
public final class EventStore {
    private final StoreSettings settings;
    private final Map<String, Apv> apvs = new HashMap<>();
    /** CVE ids by (detection time, id), for newest-first listing and eviction. */
    private final TreeMap<ApvKey, String> apvOrder = new TreeMap<>();
    /** The held APVs that are closed (a merged patch), in the same order: evicted before any open one. */
    private final TreeMap<ApvKey, String> closedOrder = new TreeMap<>();
    /** CVEs with a merged patch, oldest closure first (also those whose APV is not held, or not yet). */
    private final java.util.LinkedHashSet<String> closedCves = new java.util.LinkedHashSet<>();
    /** Patches in least-recently-updated order (access order off; re-inserted on update). */
    private final LinkedHashMap<String, Patch> patches = new LinkedHashMap<>();
    /** The estimated heap of the APVs held ({@link #estimateBytes}). */
    private long apvBytes;
    /** Patches holding a diff, least recently updated first, and the heap those diffs take (two bytes a character). */
    private final java.util.LinkedHashSet<String> withDiff = new java.util.LinkedHashSet<>();
    private long diffBytes;
    private long evictedOpen;
    private static final System.Logger LOG = System.getLogger(EventStore.class.getName());
    /** Bumped by every change; written under the lock. */
    private volatile long version;

    public EventStore(StoreSettings settings) {
        this.settings = settings;
    }

    /** The outcome of applying a message. */
    public enum Outcome {
        /** First state for this CVE or patch. */
        CREATED,
        /** A newer state replaced the previous one. */
        UPDATED,
        /** The same state again (an exact redelivery): nothing changed. */
        DUPLICATE,
        /** Older than the state held (or a patch status that would move backwards): ignored. */
        STALE
    }

    /** Applies an APV. The newest state wins; a message older than the held state is ignored. */
    public synchronized Outcome apply(Apv apv) {
        Apv held = apvs.get(apv.cveId());
        if (held != null) {
            if (held.equals(apv)) {
                return Outcome.DUPLICATE;
            }
            if (versionTime(apv).isBefore(versionTime(held))) {
                return Outcome.STALE;
            }
            ApvKey old = new ApvKey(held.detectedAt(), held.cveId());
            apvOrder.remove(old);
            closedOrder.remove(old);
            apvBytes -= estimateBytes(held);
        }
        version++;
        apvs.put(apv.cveId(), apv);
        apvBytes += estimateBytes(apv);
        ApvKey key = new ApvKey(apv.detectedAt(), apv.cveId());
        apvOrder.put(key, apv.cveId());
        if (closedCves.contains(apv.cveId())) {
            closedOrder.put(key, apv.cveId());
        }
        evictApvs();
        return held == null ? Outcome.CREATED : Outcome.UPDATED;
    }

    /**
     * Keeps the store within its bounds. Beyond {@code maxApvs}, closed APVs (a merged patch) go, oldest detected
     * first; open ones stay even beyond it, because during a rebuild an APV is read before its merged patch and would
     * otherwise be taken for open and evict a truly open one. Only the byte budget, the hard bound on memory, makes
     * the oldest open one go when open ones alone are over it: counted ({@link #evictedOpen()}) and logged.
     */
    private void evictApvs() {
        while (true) {
            boolean overCount = apvs.size() > settings.maxApvs();
            boolean overBytes = apvBytes > settings.maxApvBytes() && apvs.size() > 1;
            if (!overCount && !overBytes) {
                return;
            }
            Map.Entry<ApvKey, String> victim = closedOrder.firstEntry();
            if (victim == null) {
                if (!overBytes) {
                    return; // open ones stay beyond the count: see above
                }
                victim = apvOrder.firstEntry(); // open APVs alone are over the byte budget: the oldest open one goes
                evictedOpen++;
                if (evictedOpen == 1 || evictedOpen % 1000 == 0) {
                    LOG.log(System.Logger.Level.WARNING, "store full of open APVs: " + evictedOpen + " open APV(s) evicted"
                            + " so far, the oldest first (raise immunity.store.max-apv-bytes or the heap)");
                }
            }
            apvOrder.remove(victim.getKey());
            closedOrder.remove(victim.getKey());
            apvBytes -= estimateBytes(apvs.remove(victim.getValue()));
        }
    }

    /** Notes that a CVE has a merged patch: its APV is closed, and may make room for open ones. */
    private void closed(String cveId) {
        if (!closedCves.add(cveId)) {
            return;
        }
        if (closedCves.size() > 2L * (settings.maxApvs() + settings.maxPatches())) {
            var it = closedCves.iterator(); // the oldest closure; its APV, if still held, stays closed in closedOrder
            it.next();
            it.remove();
        }
        Apv held = apvs.get(cveId);
        if (held != null) {
            closedOrder.put(new ApvKey(held.detectedAt(), cveId), cveId);
            evictApvs();
        }
    }

    /**
     * Applies a patch state. A patch only moves forward through its lifecycle; a message with the
     * same status but new details (a PR link, test results) updates it.
     *
     * @return the outcome and the patch as now held (fields a later message leaves out are kept)
     */
    public synchronized Applied apply(Patch patch) {
        if (patch.diff() != null) {
            patch = patch.withDiff(patch.diff().cutTo(settings.maxDiffBytes()));
        }
        Patch held = patches.get(patch.patchId());
        if (held != null) {
            if (held.equals(patch)) {
                return new Applied(Outcome.DUPLICATE, held);
            }
            if (held.status() != patch.status() && !held.status().canMoveTo(patch.status())) {
                return new Applied(Outcome.STALE, held);
            }
            patch = merge(held, patch);
            if (held.equals(patch)) {
                return new Applied(Outcome.DUPLICATE, held);
            }
            patches.remove(patch.patchId());
            forgetDiff(held);
        }
        version++;
        patches.put(patch.patchId(), patch);
        if (patch.diff() != null) {
            withDiff.add(patch.patchId());
            diffBytes += diffHeap(patch);
        }
        if (patch.status() == dev.immunity.core.model.PatchStatus.MERGED) {
            closed(patch.cveId());
        }
        if (patches.size() > settings.maxPatches()) {
            var it = patches.entrySet().iterator();
            forgetDiff(it.next().getValue());
            it.remove();
        }
        releaseDiffs();
        return new Applied(held == null ? Outcome.CREATED : Outcome.UPDATED, patches.get(patch.patchId()));
    }

    /** Beyond the diff budget, the diffs of the least recently updated patches are released (the patch stays). */
    private void releaseDiffs() {
        while (diffBytes > settings.diffBudget() && withDiff.size() > 1) {
            String id = withDiff.getFirst();
            Patch p = patches.get(id);
            forgetDiff(p);
            patches.put(id, p.withDiff(null)); // an update of an existing key keeps its place in the order
        }
    }

    private void forgetDiff(Patch p) {
        if (p.diff() != null && withDiff.remove(p.patchId())) {
            diffBytes -= diffHeap(p);
        }
    }

    private static long diffHeap(Patch p) {
        return 2L * p.diff().content().length();
    }

    /** A patch by its id, diff included (when held). */
    public synchronized Optional<Patch> patch(String patchId) {
        return Optional.ofNullable(patches.get(patchId));
    }

    /** The heap the held diffs take, estimated at two bytes a character. */
    public synchronized long diffBytes() {
        return diffBytes;
    }

    /**
     * A number that changes whenever anything held changes (an APV or patch created, updated or
     * evicted): an answer computed at one version is still exact while the version is the same.
     */
    public long version() {
        return version;
    }

    /**
     * About how much heap an APV takes: its text at two bytes a character, plus a fixed share for the record, its
     * lists and nested objects. An estimate, used only for the store's byte budget.
     */
    public static long estimateBytes(Apv apv) {
        long chars = len(apv.summary()) + len(apv.details()) + len(apv.remediationNotes()) + len(apv.cveId())
                + len(apv.recommendedStrategy()) + len(apv.sourceFeed());
        for (String s : apv.aliases()) {
            chars += len(s) + 16;
        }
        for (String s : apv.affectedServices()) {
            chars += len(s) + 16;
        }
        long nested = 256L * (apv.affectedPackages().size() + apv.astGrepPatterns().size())
                + (apv.maximusContext() == null ? 0 : 128L * apv.maximusContext().size());
        return 1024 + 2 * chars + nested;
    }

    private static long len(String s) {
        return s == null ? 0 : s.length();
    }

    /** Open APVs evicted because open ones alone were over the store's bounds. */
    public synchronized long evictedOpen() {
        return evictedOpen;
    }

    /** The estimated heap of the APVs held now. */
    public synchronized long apvBytes() {
        return apvBytes;
    }

    /** The result of applying a patch: what happened and the state now held. */
    public record Applied(Outcome outcome, Patch patch) {
        /** Whether the state changed (created or updated). */
        public boolean changed() {
            return outcome == Outcome.CREATED || outcome == Outcome.UPDATED;
        }
    }

    /** The APV held for a CVE. */
    public synchronized Optional<Apv> apv(String cveId) {
        return Optional.ofNullable(apvs.get(cveId));
    }

    /** APVs newest first (by detection time). */
    public synchronized List<Apv> apvs(ApvQuery query) {
        List<Apv> out = new ArrayList<>(Math.min(query.limit(), apvs.size()));
        for (String id : apvOrder.descendingMap().values()) {
            Apv apv = apvs.get(id);
            if (query.matches(apv)) {
                out.add(apv);
                if (out.size() >= query.limit()) {
                    break;
                }
            }
        }
        return out;
    }

    /** Patches matching a filter, most recently updated first, at most {@code limit}. */
    public synchronized List<Patch> patches(Predicate<Patch> filter, int limit) {
        List<Patch> all = new ArrayList<>(patches.values());
        List<Patch> out = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0 && out.size() < limit; i--) {
            if (filter.test(all.get(i))) {
                out.add(all.get(i));
            }
        }
        return out;
    }

    /** Patches of the given CVEs and all patches not yet in a terminal state, oldest update first. */
    public synchronized List<Patch> patchesForSnapshot(java.util.Set<String> cveIds, int limit) {
        List<Patch> out = new ArrayList<>();
        for (Patch p : patches.values()) {
            if (!p.status().isTerminal() || cveIds.contains(p.cveId())) {
                out.add(p);
            }
        }
        out.sort(Comparator.comparing(Patch::updatedAt, Comparator.nullsFirst(Comparator.naturalOrder())));
        return out.size() <= limit ? out : out.subList(out.size() - limit, out.size());
    }

    /** Number of APVs held. */
    public synchronized int apvCount() {
        return apvs.size();
    }

    /** Number of patches held. */
    public synchronized int patchCount() {
        return patches.size();
    }

    private static Instant versionTime(Apv apv) {
        if (apv.publishedAt() != null) {
            return apv.publishedAt();
        }
        return apv.modified() != null ? apv.modified() : apv.processedAt();
    }

    /** A later message may leave out what an earlier one said; keep what is known. */
    private static Patch merge(Patch held, Patch next) {
        return new Patch(
                next.patchId(), next.cveId(), next.status(),
                or(next.strategy(), held.strategy()),
                or(next.confidence(), held.confidence()),
                next.filesModified().isEmpty() ? held.filesModified() : next.filesModified(),
                or(next.diffLines(), held.diffLines()),
                or(next.validationPassed(), held.validationPassed()),
                or(next.testResults(), held.testResults()),
                or(next.branchName(), held.branchName()),
                or(next.commitSha(), held.commitSha()),
                or(next.prUrl(), held.prUrl()),
                or(next.errorMessage(), held.errorMessage()),
                or(next.generatedAt(), held.generatedAt()),
                or(next.startedAt(), held.startedAt()),
                or(next.completedAt(), held.completedAt()),
                or(next.timeToPatchSeconds(), held.timeToPatchSeconds()),
                next.strategyAttempts().isEmpty() ? held.strategyAttempts() : next.strategyAttempts(),
                next.status() == held.status() && held.updatedAt() != null ? held.updatedAt() : next.updatedAt(),
                next.diffLines() != null ? next.diff() : held.diff());
    }

    private static <T> T or(T a, T b) {
        return a != null ? a : b;
    }

    private record ApvKey(Instant detectedAt, String cveId) implements Comparable<ApvKey> {
        @Override
        public int compareTo(ApvKey o) {
            int c = detectedAt.compareTo(o.detectedAt);
            return c != 0 ? c : cveId.compareTo(o.cveId);
        }
    }
}
