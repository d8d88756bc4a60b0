package dev.immunity.core.stream;

import dev.immunity.core.json.Json;
import dev.immunity.core.model.MetricsSnapshot;
import dev.immunity.core.model.Apv;
import dev.immunity.core.model.EventType;
import dev.immunity.core.model.Patch;
import dev.immunity.core.sla.SlaClock;
import dev.immunity.core.sla.SlaState;
import dev.immunity.core.sla.SlaStatus;
import dev.immunity.core.store.ApvQuery;
import dev.immunity.core.store.EventStore;

import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What a client gets before live messages: {@code hello}, then either the events it missed since its cursor
 * (a resume) or a snapshot of the newest APVs and their patches within the byte budget, then the SLA states it
 * starts from and the current metrics. See {@code docs/stream-protocol.md}.
 */
final class Openings {
    private final EventStore store;
    private final StreamHistory history;
    private final StreamSettings settings;
    private final InstantSource clock;
    private final SlaClock sla;
    private final Supplier<MetricsSnapshot> metrics;

    Openings(EventStore store, StreamHistory history, StreamSettings settings, InstantSource clock, SlaClock sla,
             Supplier<MetricsSnapshot> metrics) {
        this.store = store;
        this.history = history;
        this.settings = settings;
        this.clock = clock;
        this.sla = sla;
        this.metrics = metrics;
    }

    /**
     * A client's first frames.
     *
     * @param resumed   whether the client resumes from its cursor (else it gets a snapshot)
     * @param skipBelow on a resume, the source offsets below which live events are ones the replay already holds
     */
    record Opening(List<byte[]> frames, boolean resumed, Map<String, Long> skipBelow) {
    }

    /** What client {@code id} starts with; the caller holds the stream manager's publish lock. */
    Opening open(String id, ConnectOptions options) {
        List<byte[]> frames = new ArrayList<>();
        if (options.cursor() != null) {
            Optional<StreamHistory.Resume> resume = history.after(options.cursor());
            List<byte[]> missed = resume.map(r -> replay(r, options)).orElse(null);
            if (missed != null && missed.size() <= settings.maxReplayEvents()) {
                frames.add(hello(id, "resume", true, null));
                frames.addAll(missed);
                frames.addAll(slaFrames(options, resume.get().missed().stream()
                        .map(e -> e.event() instanceof Apv a ? a.cveId() : null)
                        .filter(java.util.Objects::nonNull).collect(java.util.stream.Collectors.toSet())));
                frames.add(metricsFrame(true));
                return new Opening(frames, true, resume.get().skipBelow());
            }
            frames.add(hello(id, "snapshot", false, missed != null
                    ? "cursor is more than " + settings.maxReplayEvents() + " events behind: a snapshot instead of the replay"
                    : history.whyNot(options.cursor())));
        } else {
            frames.add(hello(id, "snapshot", null, null));
        }
        // Newest first up to the byte budget, then sent oldest first as always.
        List<Apv> apvs = store.apvs(new ApvQuery(settings.snapshotApvs(), options.filter().priorities(), null));
        Set<String> cves = new HashSet<>();
        List<byte[]> apvFrames = new ArrayList<>();
        long budget = settings.maxSnapshotBytes();
        for (Apv apv : apvs) {
            if (options.filter().matches(apv.priority(), apv.affectedServices())) {
                byte[] f = frame(EventType.APV.wire(), apv, null, true);
                if (f.length > budget) {
                    break;
                }
                budget -= f.length;
                cves.add(apv.cveId());
                apvFrames.add(f);
            }
        }
        for (int i = apvFrames.size() - 1; i >= 0; i--) {
            frames.add(apvFrames.get(i));
        }
        for (Patch p : store.patchesForSnapshot(cves, settings.snapshotPatches())) {
            Optional<Apv> apv = store.apv(p.cveId());
            if (options.filter().isAll() || cves.contains(p.cveId())
                    || options.filter().matches(apv.map(Apv::priority).orElse(null),
                    apv.map(Apv::affectedServices).orElse(List.of()))) {
                byte[] f = frame(EventType.PATCH.wire(), p, null, true);
                if (f.length > budget) {
                    break;
                }
                budget -= f.length;
                frames.add(f);
            }
        }
        frames.addAll(slaFrames(options, cves));
        frames.add(metricsFrame(true));
        return new Opening(frames, false, null);
    }

    /**
     * The SLA states a new or resuming client starts from: those of the APVs its snapshot holds and of every open APV
     * at risk or breached that its filter matches, most urgent first, up to the replay limit (transitions it missed
     * are not replayed: these supersede them).
     */
    List<byte[]> slaFrames(ConnectOptions options, Set<String> snapshotCves) {
        List<byte[]> out = new ArrayList<>();
        for (SlaStatus s : sla.open(clock.instant())) {
            if ((s.state() != SlaState.WITHIN || snapshotCves.contains(s.cveId()))
                    && options.filter().matches(s.priority(), s.services())) {
                out.add(frame(EventType.SLA.wire(), s, null, Boolean.TRUE));
                if (out.size() >= settings.maxReplayEvents()) {
                    break;
                }
            }
        }
        return out;
    }

    /** The frames a resume would replay for this client's filter; stops counting past the replay limit. */
    List<byte[]> replay(StreamHistory.Resume resume, ConnectOptions options) {
        List<byte[]> out = new ArrayList<>();
        for (StreamHistory.Entry e : resume.missed()) {
            if (options.filter().isAll() || options.filter().matches(e.priority(), e.services())) {
                out.add(e.frame());
                if (out.size() > settings.maxReplayEvents()) {
                    break;
                }
            }
        }
        return out;
    }

    private byte[] metricsFrame(boolean snapshot) {
        MetricsSnapshot m = metrics.get();
        return frame(EventType.METRICS.wire(), m, null, snapshot ? Boolean.TRUE : null);
    }

    private byte[] hello(String id, String mode, Boolean recovered, String reason) {
        String cursor = history.cursor();
        return frame("hello", new Hello(id, mode, recovered, reason, cursor,
                settings.heartbeatInterval().toSeconds(), Hello.PROTOCOL), cursor, null);
    }

    private byte[] frame(String type, Object payload, String cursor, Boolean snapshot) {
        return Json.writeBytes(new Envelope(type, clock.instant(), payload, cursor, snapshot));
    }
}
