package dev.immunity.core.sla;

import dev.immunity.core.metrics.MttrBasis;
import dev.immunity.core.model.Apv;
import dev.immunity.core.model.Patch;
import dev.immunity.core.model.PatchStatus;
import dev.immunity.core.model.Priority;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The remediation SLA clock of every APV. It starts at detection ({@code processed_at}) and stops where MTTR does
 * (the first merged patch, or the first applied one with {@link MttrBasis#APPLIED}); a rolled-back patch does not
 * stop it. All times are event times, so every instance reading the same events computes the same states and the
 * same transitions. Thread-safe.
 *
 * <p>Transitions of open APVs (within → at risk → breached) are due at fixed instants: {@link #nextDue()} says when
 * the next one is, {@link #advance(Instant)} makes those due by then happen. The caller runs a timer on that, so a
 * breach is reported the moment it happens, not with the next event.
 */
public final class SlaClock {
    private static final System.Logger LOG = System.getLogger(SlaClock.class.getName());
    /** Open APVs tracked at most; beyond it the oldest detected is forgotten, counted and logged. */
    static final int MAX_OPEN = 500_000;
    /** CVEs closed before their APV was seen (a rebuild reads the two topics in any order), remembered at most. */
    private static final int MAX_EARLY_CLOSURES = 100_000;

    private final SlaPolicy policy;
    private final MttrBasis basis;
    private final Map<String, Tracked> open = new HashMap<>();
    private final TreeSet<Tracked> byNextDue = new TreeSet<>(Comparator.comparing((Tracked t) -> t.nextDue)
            .thenComparing(t -> t.cveId));
    private final Map<String, Instant> closedEarly = new LinkedHashMap<>();
    /** CVEs whose clock stopped (a later APV update does not restart it), the most recent million. */
    private final java.util.Set<String> closedCves = java.util.Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > 1_000_000;
        }
    });
    private final EnumMap<Priority, long[]> closedCounts = new EnumMap<>(Priority.class); // {within, all}
    private long forgotten;
    /** Days of the daily series. */
    static final int DAYS = 90;
    /** Per UTC epoch day: {detected, remediated, remediated within SLA, sum of their MTTR in seconds}. */
    private final java.util.TreeMap<Long, double[]> days = new java.util.TreeMap<>();

    private static final class Tracked {
        final String cveId;
        Priority priority;
        List<String> services;
        Instant detectedAt;
        SlaState state;
        Instant nextDue; // null: nothing more is due (breached)

        Tracked(String cveId) {
            this.cveId = cveId;
        }
    }

    private final Ownership ownership;

    public SlaClock(SlaPolicy policy, MttrBasis basis) {
        this(policy, basis, Ownership.NONE);
    }

    /** @param ownership which team owns which service: the {@code owner} of each status */
    public SlaClock(SlaPolicy policy, MttrBasis basis, Ownership ownership) {
        this.policy = policy;
        this.basis = basis;
        this.ownership = ownership;
        for (Priority p : Priority.values()) {
            closedCounts.put(p, new long[2]);
        }
    }

    public SlaPolicy policy() {
        return policy;
    }

    public Ownership ownership() {
        return ownership;
    }

    /**
     * Starts or updates an APV's clock (a new priority moves its deadline). Its state is where it stands at
     * {@code now}: arriving already at risk or breached is not a transition, the status returned says so.
     *
     * @return the APV's status now, or empty when its clock had already stopped
     */
    public synchronized Optional<SlaStatus> onApv(Apv apv, Instant now) {
        if (closedCves.contains(apv.cveId())) {
            return Optional.empty();
        }
        Instant early = closedEarly.remove(apv.cveId());
        Tracked t = open.get(apv.cveId());
        if (t == null) {
            t = new Tracked(apv.cveId());
            open.put(apv.cveId(), t);
            day(apv.detectedAt())[0]++;
        } else if (t.nextDue != null) {
            byNextDue.remove(t);
        }
        t.priority = apv.priority();
        t.services = apv.affectedServices();
        t.detectedAt = apv.detectedAt();
        if (early != null) {
            return Optional.of(close(t, early));
        }
        t.state = stateAt(t, now);
        schedule(t);
        SlaStatus status = status(t, now);
        if (open.size() > MAX_OPEN) {
            Tracked oldest = open.values().stream().min(Comparator.comparing((Tracked x) -> x.detectedAt)).orElseThrow();
            open.remove(oldest.cveId);
            byNextDue.remove(oldest);
            forgotten++;
            LOG.log(System.Logger.Level.WARNING, "SLA clock: more than " + MAX_OPEN + " open APVs; the oldest detected is"
                    + " no longer tracked (" + forgotten + " so far)");
        }
        return Optional.of(status);
    }

    /**
     * Stops an APV's clock when this patch ends it (merged, or applied with mttr-basis=applied).
     *
     * @return the APV's final status ({@code met} or {@code missed}) when this patch closed it
     */
    public synchronized Optional<SlaStatus> onPatch(Patch patch) {
        boolean stops = patch.status() == PatchStatus.MERGED
                || basis == MttrBasis.APPLIED && patch.status() == PatchStatus.APPLIED;
        if (!stops || closedCves.contains(patch.cveId())) {
            return Optional.empty();
        }
        Tracked t = open.remove(patch.cveId());
        if (t == null) {
            closedEarly.put(patch.cveId(), patch.updatedAt());
            if (closedEarly.size() > MAX_EARLY_CLOSURES) {
                closedEarly.remove(closedEarly.keySet().iterator().next());
            }
            return Optional.empty();
        }
        if (t.nextDue != null) {
            byNextDue.remove(t);
        }
        return Optional.of(close(t, patch.updatedAt()));
    }

    private SlaStatus close(Tracked t, Instant at) {
        open.remove(t.cveId);
        closedCves.add(t.cveId);
        Instant deadline = policy.deadline(t.priority, t.detectedAt);
        t.state = at.isAfter(deadline) ? SlaState.MISSED : SlaState.MET;
        long[] c = closedCounts.get(t.priority);
        c[1]++;
        double[] d = day(at);
        d[1]++;
        d[3] += Math.max(0, Duration.between(t.detectedAt, at).toMillis() / 1000.0);
        if (t.state == SlaState.MET) {
            c[0]++;
            d[2]++;
        }
        return new SlaStatus(t.cveId, t.priority, t.services, ownership.ownerOf(t.services), t.state, t.detectedAt,
                deadline, at, SlaStatus.remaining(deadline, at));
    }

    /** When the next transition of an open APV is due, or null when none is. */
    public synchronized Instant nextDue() {
        return byNextDue.isEmpty() ? null : byNextDue.first().nextDue;
    }

    /** Makes every transition due by {@code now} happen, in order; returns them (empty when none was due). */
    public synchronized List<SlaStatus> advance(Instant now) {
        List<SlaStatus> out = new ArrayList<>();
        while (!byNextDue.isEmpty() && !byNextDue.first().nextDue.isAfter(now)) {
            Tracked t = byNextDue.pollFirst();
            SlaState next = t.state == SlaState.WITHIN ? SlaState.AT_RISK : SlaState.BREACHED;
            // Report each transition at its own instant (a timer that fires late reports both, in order).
            Instant at = t.nextDue;
            t.state = next;
            schedule(t);
            out.add(status(t, at));
        }
        return out;
    }

    /** An open APV's status at {@code now}, or empty when it is not open. */
    public synchronized Optional<SlaStatus> status(String cveId, Instant now) {
        Tracked t = open.get(cveId);
        return t == null ? Optional.empty() : Optional.of(status(t, now));
    }

    /** Every open APV's status at {@code now}, the soonest deadline (or most overdue) first. */
    public synchronized List<SlaStatus> open(Instant now) {
        return open.values().stream().map(t -> status(t, now))
                .sorted(Comparator.comparing(SlaStatus::deadline).thenComparing(SlaStatus::cveId)).toList();
    }

    /** The backlog at {@code now}: open by priority and age, at risk, breached, compliance. */
    public synchronized SlaSummary summary(Instant now) {
        EnumMap<Priority, Long> openBy = zeros();
        EnumMap<Priority, Long> atRisk = zeros();
        EnumMap<Priority, Long> breached = zeros();
        Map<String, Long> byAge = new LinkedHashMap<>();
        for (String b : List.of("lt_7d", "7d_30d", "30d_90d", "gt_90d")) {
            byAge.put(b, 0L);
        }
        long[] ages = new long[open.size()];
        int i = 0;
        Map<String, long[]> teams = new java.util.TreeMap<>();
        for (String team : ownership.teams().keySet()) {
            teams.put(team, new long[3]);
        }
        for (Tracked t : open.values()) {
            openBy.merge(t.priority, 1L, Long::sum);
            SlaState s = stateAt(t, now);
            String owner = ownership.ownerOf(t.services);
            long[] team = owner == null ? null : teams.get(owner);
            if (team != null) {
                team[0]++;
                if (s == SlaState.AT_RISK) {
                    team[1]++;
                } else if (s == SlaState.BREACHED) {
                    team[2]++;
                }
            }
            if (s == SlaState.AT_RISK) {
                atRisk.merge(t.priority, 1L, Long::sum);
            } else if (s == SlaState.BREACHED) {
                breached.merge(t.priority, 1L, Long::sum);
            }
            long age = Math.max(0, Duration.between(t.detectedAt, now).toSeconds());
            ages[i++] = age;
            long days = age / 86_400;
            byAge.merge(days < 7 ? "lt_7d" : days < 30 ? "7d_30d" : days < 90 ? "30d_90d" : "gt_90d", 1L, Long::sum);
        }
        java.util.Arrays.sort(ages);
        Double median = ages.length == 0 ? null
                : ages.length % 2 == 1 ? (double) ages[ages.length / 2]
                : (ages[ages.length / 2 - 1] + ages[ages.length / 2]) / 2.0;
        long within = 0;
        long all = 0;
        EnumMap<Priority, Double> complianceBy = new EnumMap<>(Priority.class);
        EnumMap<Priority, Long> closed = zeros();
        for (var e : closedCounts.entrySet()) {
            long[] c = e.getValue();
            within += c[0];
            all += c[1];
            complianceBy.put(e.getKey(), c[1] == 0 ? null : (double) c[0] / c[1]);
            closed.put(e.getKey(), c[1]);
        }
        return new SlaSummary(openBy, atRisk, breached, byAge, median, all == 0 ? null : (double) within / all,
                complianceBy, closed, daily(now), byTeam(teams));
    }

    private static Map<String, SlaSummary.TeamCounts> byTeam(Map<String, long[]> teams) {
        Map<String, SlaSummary.TeamCounts> out = new LinkedHashMap<>();
        teams.forEach((team, c) -> out.put(team, new SlaSummary.TeamCounts(c[0], c[1], c[2])));
        return out;
    }

    /** The bucket of an instant's UTC day (days before the series' window are kept only until the next summary). */
    private double[] day(Instant at) {
        return days.computeIfAbsent(Math.floorDiv(at.getEpochSecond(), 86_400L), d -> new double[4]);
    }

    private SlaSummary.Daily daily(Instant now) {
        long today = Math.floorDiv(now.getEpochSecond(), 86_400L);
        long first = today - DAYS + 1;
        days.headMap(first).clear();
        List<Long> detected = new ArrayList<>(DAYS);
        List<Long> remediated = new ArrayList<>(DAYS);
        List<Double> mttr = new ArrayList<>(DAYS);
        List<Double> compliance = new ArrayList<>(DAYS);
        for (long d = first; d <= today; d++) {
            double[] b = days.getOrDefault(d, new double[4]);
            detected.add((long) b[0]);
            remediated.add((long) b[1]);
            mttr.add(b[1] == 0 ? null : b[3] / b[1]);
            compliance.add(b[1] == 0 ? null : b[2] / b[1]);
        }
        return new SlaSummary.Daily(java.time.LocalDate.ofEpochDay(first), java.util.Collections.unmodifiableList(detected),
                java.util.Collections.unmodifiableList(remediated), java.util.Collections.unmodifiableList(mttr),
                java.util.Collections.unmodifiableList(compliance));
    }

    private SlaStatus status(Tracked t, Instant now) {
        Instant deadline = policy.deadline(t.priority, t.detectedAt);
        return new SlaStatus(t.cveId, t.priority, t.services, ownership.ownerOf(t.services), t.state, t.detectedAt,
                deadline, null, SlaStatus.remaining(deadline, now));
    }

    private SlaState stateAt(Tracked t, Instant now) {
        if (!now.isBefore(policy.deadline(t.priority, t.detectedAt))) {
            return SlaState.BREACHED;
        }
        return now.isBefore(policy.atRiskAt(t.priority, t.detectedAt)) ? SlaState.WITHIN : SlaState.AT_RISK;
    }

    private void schedule(Tracked t) {
        t.nextDue = switch (t.state) {
            case WITHIN -> policy.atRiskAt(t.priority, t.detectedAt);
            case AT_RISK -> policy.deadline(t.priority, t.detectedAt);
            default -> null;
        };
        if (t.nextDue != null) {
            byNextDue.add(t);
        }
    }

    private static EnumMap<Priority, Long> zeros() {
        EnumMap<Priority, Long> m = new EnumMap<>(Priority.class);
        for (Priority p : Priority.values()) {
            m.put(p, 0L);
        }
        return m;
    }
}
