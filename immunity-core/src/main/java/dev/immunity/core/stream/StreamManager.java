package dev.immunity.core.stream;

import dev.immunity.core.json.Json;
import dev.immunity.core.metrics.MetricsEngine;
import dev.immunity.core.model.Apv;
import dev.immunity.core.model.Event;
import dev.immunity.core.model.EventType;
import dev.immunity.core.model.Heartbeat;
import dev.immunity.core.model.MetricsSnapshot;
import dev.immunity.core.model.Patch;
import dev.immunity.core.model.Priority;
import dev.immunity.core.store.EventStore;
import dev.immunity.core.metrics.MttrBasis;
import dev.immunity.core.sla.SlaClock;
import dev.immunity.core.sla.SlaPolicy;
import dev.immunity.core.sla.SlaStatus;

import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Fans events out to connected clients. Each event is applied to the {@link EventStore}, counted by
 * the {@link MetricsEngine}, serialized once into an {@link Envelope} carrying its {@link Cursor},
 * kept in a bounded history for resume, and the same frame handed to every client whose filter
 * matches. Each client has its own bounded queue and writer ({@link ClientSession}).
 *
 * <p>Lifecycle: {@link #start()} starts the heartbeat and the metrics broadcast; {@link #stop()} closes
 * every client with {@link CloseCodes#GOING_AWAY}.
 */
public final class StreamManager implements AutoCloseable, EventSink {
    private static final System.Logger LOG = System.getLogger(StreamManager.class.getName());

    private final EventStore store;
    private final MetricsEngine metrics;
    private final StreamSettings settings;
    private final InstantSource clock;
    private final StreamHistory history;
    private final Openings openings;
    private final Object publishLock = new Object();
    private final SlaClock sla;
    /** Sends the SLA clock's transitions when they happen (armed under publishLock). */
    private final SlaTimer slaTimer;
    private final Map<String, ClientSession> sessions = new ConcurrentHashMap<>();
    /** One short-lived virtual thread per drain; unnamed, as a name is a string built per thread. */
    private final ExecutorService writers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().factory());
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("immunity-stream-ticker").daemon(true).factory());
    private final ClientSession.Listener sessionListener = new SessionListener();
    private final AtomicLong connectionIds = new AtomicLong();

    private final LongAdder messagesSent = new LongAdder();
    private final LongAdder framesSent = new LongAdder();
    private final LongAdder slowCloses = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder resumes = new LongAdder();
    private final LongAdder resumesFailed = new LongAdder();
    private final LongAdder connectionsTotal = new LongAdder();
    private final Map<EventType, LongAdder> eventsByType = new EnumMap<>(EventType.class);

    private volatile MetricsSnapshot lastMetrics;
    private volatile boolean started;
    private volatile boolean stopped;

    public StreamManager(EventStore store, MetricsEngine metrics, StreamSettings settings, InstantSource clock) {
        this(store, metrics, settings, clock, new SlaClock(SlaPolicy.defaults(), MttrBasis.MERGED));
    }

    /** @param sla the remediation SLA clock, fed the events this manager applies; it sends {@code sla} messages */
    public StreamManager(EventStore store, MetricsEngine metrics, StreamSettings settings, InstantSource clock,
                         SlaClock sla) {
        this.sla = sla;
        this.store = store;
        this.metrics = metrics;
        this.settings = settings;
        this.clock = clock;
        this.history = new StreamHistory(newEpoch(), settings.historySize(), settings.historyMaxBytes());
        this.openings = new Openings(store, history, settings, clock, sla, this::metrics);
        this.slaTimer = new SlaTimer(sla, ticker, clock, publishLock, () -> started && !stopped,
                status -> fanOutSla(status, null));
        for (EventType t : EventType.values()) {
            eventsByType.put(t, new LongAdder());
        }
    }

    /** Starts the heartbeat and the metrics broadcast. */
    public void start() {
        if (started) {
            return;
        }
        started = true;
        long hb = settings.heartbeatInterval().toMillis();
        ticker.scheduleAtFixedRate(this::heartbeat, hb, hb, TimeUnit.MILLISECONDS);
        long mi = settings.metricsInterval().toMillis();
        ticker.scheduleAtFixedRate(this::broadcastMetricsIfChanged, mi, mi, TimeUnit.MILLISECONDS);
        synchronized (publishLock) {
            slaTimer.arm();
        }
    }

    /**
     * Closes the connected clients with {@link CloseCodes#GOING_AWAY}, spread evenly over {@code window} (in up to a
     * hundred steps), so that they reconnect elsewhere a few at a time; returns when the last has been told.
     */
    public void closeClientsOver(java.time.Duration window) {
        List<ClientSession> all = new ArrayList<>(sessions.values());
        int steps = Math.max(1, Math.min(100, all.size()));
        long pause = window.toMillis() / steps;
        for (int step = 0; step < steps; step++) {
            for (int i = step * all.size() / steps; i < (step + 1) * all.size() / steps; i++) {
                close(all.get(i).id, CloseCodes.GOING_AWAY, "server shutting down: reconnect and resume");
            }
            if (step < steps - 1 && pause > 0) {
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Closes every client with {@link CloseCodes#GOING_AWAY} and stops the background work. */
    public void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        ticker.shutdownNow();
        List<ClientSession> all = new ArrayList<>(sessions.values());
        sessions.clear();
        for (ClientSession s : all) {
            s.markClosing();
            writers.execute(() -> s.connection.close(CloseCodes.GOING_AWAY, "server shutting down: reconnect and resume"));
        }
        writers.shutdown();
        try {
            if (!writers.awaitTermination(settings.closeTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                all.forEach(s -> Thread.ofVirtual().start(s.connection::abort));
                writers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }

    /**
     * Connects a client: it first gets a {@code hello} message, then either what it missed since its
     * cursor or the current state (recent APVs, open patches, latest metrics), then live events —
     * with no gap and no duplicate between them.
     *
     * @return the connection id
     */
    public String connect(Connection connection, ConnectOptions options) {
        if (stopped) {
            connection.close(CloseCodes.GOING_AWAY, "server shutting down");
            throw new IllegalStateException("stream manager is stopped");
        }
        String id = Long.toString(connectionIds.incrementAndGet(), 36);
        ClientSession session = new ClientSession(id, connection, options, settings.queueCapacity(),
                settings.maxBatchBytes(), writers, sessionListener);
        synchronized (publishLock) {
            session.preload(openingFrames(session, options));
            sessions.put(id, session);
        }
        connectionsTotal.increment();
        session.schedule();
        return id;
    }

    /** Connects a client that wants a fresh snapshot and everything. */
    public String connect(Connection connection) {
        return connect(connection, ConnectOptions.fresh());
    }

    /** Forgets a client (it went away); nothing more is sent to it. */
    public void disconnect(String id) {
        ClientSession s = sessions.remove(id);
        if (s != null) {
            s.markClosing();
        }
    }

    /** Closes one client with a code and reason (for example an expired token). */
    public void close(String id, int code, String reason) {
        ClientSession s = sessions.remove(id);
        if (s != null && s.markClosing()) {
            closeAsync(s, code, reason);
        }
    }

    /** Sends one message (a JSON envelope's UTF-8 bytes) to one client only: a reply to something it sent. */
    public void reply(String id, byte[] frame) {
        ClientSession s = sessions.get(id);
        if (s != null) {
            s.enqueue(frame);
        }
    }

    /**
     * Publishes an event from any source: APVs and patches go through the store (a redelivery or a
     * stale state changes nothing and is not sent), metrics and heartbeats go straight to clients.
     *
     * @return whether the event was new and was sent
     */
    public boolean publish(Event event) {
        return switch (event) {
            case Apv apv -> publish(apv, null);
            case Patch patch -> publish(patch, null);
            case MetricsSnapshot snapshot -> {
                broadcastMetrics(snapshot);
                yield true;
            }
            case Heartbeat hb -> {
                fanOut(frame(EventType.HEARTBEAT.wire(), hb, null, null));
                yield true;
            }
        };
    }

    /** Publishes an APV; see {@link #publish}. */
    public boolean broadcastApv(Apv apv) {
        return publish(apv, null);
    }

    /** Publishes a patch state; see {@link #publish}. */
    public boolean broadcastPatch(Patch patch) {
        return publish(patch, null);
    }

    /**
     * Publishes an APV or patch read from a source with offsets (Kafka). A record already read (a
     * redelivery after a rewind) is ignored. During a rebuild (reading retained data at start) events
     * still go to the store, metrics and history, and connected clients get them marked
     * {@code snapshot: true}: they restate state, they are not new.
     *
     * @param position where the event was read; null for events published by code
     * @return whether the event was new and was sent
     */
    @Override
    public boolean publish(Event event, SourcePosition position) {
        synchronized (publishLock) {
            if (position != null && history.seen(position.partition(), position.offset())) {
                duplicates.increment();
                return false;
            }
            boolean sent = switch (event) {
                case Apv apv -> applyApv(apv, position);
                case Patch patch -> applyPatch(patch, position);
                default -> throw new IllegalArgumentException("only APVs and patches come from a source");
            };
            if (!sent && position != null) {
                history.skip(position.partition(), position.offset());
            }
            return sent;
        }
    }

    /**
     * Places an event this process already delivered without a position (it published it locally while its source
     * was unreachable) at the position the source gave it later: it goes into the history, so cursors resume over
     * it on this instance as on the others, and it is not sent to the connected clients again nor counted again.
     * Call it right after {@link #publish(Event, SourcePosition)} answered false for that event and position.
     */
    public void placed(Event event, SourcePosition position) {
        synchronized (publishLock) {
            switch (event) {
                case Apv apv -> history.append(apv, apv.priority(), apv.affectedServices(), position.partition(),
                        position.offset(), cursor -> frame(EventType.APV.wire(), apv, cursor, null), position.bytes());
                case Patch patch -> {
                    Optional<Apv> apv = store.apv(patch.cveId());
                    history.append(patch, apv.map(Apv::priority).orElse(null), apv.map(Apv::affectedServices).orElse(List.of()),
                            position.partition(), position.offset(), cursor -> frame(EventType.PATCH.wire(), patch, cursor, null),
                            position.bytes());
                }
                default -> throw new IllegalArgumentException("only APVs and patches come from a source");
            }
        }
    }

    /**
     * Records that a source record produced no event (it was invalid and went to the dead-letter topic),
     * so cursors move past it.
     */
    @Override
    public void skip(SourcePosition position) {
        synchronized (publishLock) {
            history.skip(position.partition(), position.offset());
        }
    }

    /**
     * Switches cursors to source offsets: the history follows these partitions (named {@code a0}, {@code p2}…)
     * and is complete from the given offsets, where reading starts.
     *
     * @param topicsFingerprint identifies the topics, so cursors of other topics are refused
     */
    @Override
    public void assign(String topicsFingerprint, Map<String, Long> startOffsets) {
        synchronized (publishLock) {
            history.assign(topicsFingerprint, startOffsets);
        }
    }

    private boolean applyApv(Apv apv, SourcePosition position) {
        EventStore.Outcome outcome = store.apply(apv);
        if (outcome != EventStore.Outcome.CREATED && outcome != EventStore.Outcome.UPDATED) {
            duplicates.increment();
            return false;
        }
        metrics.recordApv(apv);
        appendAndFanOut(EventType.APV, apv, apv.priority(), apv.affectedServices(), position);
        // The clock started (or moved, with a new priority): clients learn the deadline with the APV.
        sla.onApv(apv, clock.instant()).ifPresent(status -> {
            if (position == null || !position.rebuilding()) {
                fanOutSla(status, null);
            }
        });
        slaTimer.arm();
        return true;
    }

    private boolean applyPatch(Patch patch, SourcePosition position) {
        EventStore.Applied applied = store.apply(patch);
        if (!applied.changed()) {
            duplicates.increment();
            return false;
        }
        metrics.recordPatch(applied.patch());
        Optional<Apv> apv = store.apv(applied.patch().cveId());
        appendAndFanOut(EventType.PATCH, applied.patch(), apv.map(Apv::priority).orElse(null),
                apv.map(Apv::affectedServices).orElse(List.of()), position);
        sla.onPatch(applied.patch()).ifPresent(closed -> {
            if (position == null || !position.rebuilding()) {
                fanOutSla(closed, null);
            }
        });
        return true;
    }

    /** Sends an {@code sla} message to every client whose filter matches its APV. */
    private void fanOutSla(SlaStatus status, Boolean snapshot) {
        eventsByType.get(EventType.SLA).increment();
        if (sessions.isEmpty()) {
            return;
        }
        byte[] frame = frame(EventType.SLA.wire(), status, null, snapshot);
        for (ClientSession s : sessions.values()) {
            if (s.filter.isAll() || s.filter.matches(status.priority(), status.services())) {
                s.enqueue(frame);
            }
        }
    }

    /** Every open APV against its SLA now, the soonest deadline first. */
    public List<SlaStatus> slaOpen() {
        return sla.open(clock.instant());
    }

    /** The SLA clock this manager feeds. */
    public SlaClock sla() {
        return sla;
    }

    /** Sends a metrics snapshot to every client (not kept in the history: the latest supersedes it). */
    public void broadcastMetrics(MetricsSnapshot snapshot) {
        lastMetrics = snapshot;
        eventsByType.get(EventType.METRICS).increment();
        fanOut(frame(EventType.METRICS.wire(), snapshot, null, null));
    }

    /** The cursor of the newest event. */
    public String currentCursor() {
        synchronized (publishLock) {
            return history.cursor();
        }
    }

    /**
     * The events after a cursor, oldest first, for clients that poll instead of streaming.
     *
     * @return empty when the cursor cannot be resumed (malformed, from another history, or older than the
     *         history kept): the caller then needs the full state
     */
    public Optional<List<Event>> eventsSince(String cursor) {
        synchronized (publishLock) {
            return history.after(cursor)
                    .map(resume -> resume.missed().stream().map(StreamHistory.Entry::event).toList());
        }
    }

    /** Clients connected now. */
    public int connectionCount() {
        return sessions.size();
    }

    /** Counters, for monitoring. */
    public StreamStats stats() {
        Map<String, Long> byType = new LinkedHashMap<>();
        eventsByType.forEach((t, n) -> byType.put(t.wire(), n.sum()));
        return new StreamStats(sessions.size(), connectionsTotal.sum(), messagesSent.sum(), framesSent.sum(),
                slowCloses.sum(), byType, duplicates.sum(), resumes.sum(), resumesFailed.sum());
    }

    /** The latest metrics, computed now. */
    public MetricsSnapshot metrics() {
        return metrics.snapshot().withSla(sla.summary(clock.instant()));
    }

    private void appendAndFanOut(EventType type, Event payload, Priority priority, List<String> services,
                                 SourcePosition position) {
        StreamHistory.Entry entry = history.append(payload, priority, services,
                position == null ? null : position.partition(), position == null ? -1 : position.offset(),
                cursor -> frame(type.wire(), payload, cursor, null), position == null ? 0 : position.bytes());
        eventsByType.get(type).increment();
        if (sessions.isEmpty()) {
            return; // the frame is built if and when someone resumes over this event
        }
        byte[] frame = position != null && position.rebuilding()
                ? frame(type.wire(), payload, history.cursor(), Boolean.TRUE)
                : entry.frame();
        for (ClientSession s : sessions.values()) {
            if ((s.filter.isAll() || s.filter.matches(priority, services)) && !s.alreadyHas(entry)) {
                s.enqueue(frame);
            }
        }
    }

    private void fanOut(byte[] frame) {
        for (ClientSession s : sessions.values()) {
            s.enqueue(frame);
        }
    }

    private void heartbeat() {
        try {
            publish(new Heartbeat(sessions.size(), settings.heartbeatInterval().toSeconds()));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "heartbeat failed", e);
        }
    }

    private void broadcastMetricsIfChanged() {
        try {
            MetricsSnapshot now = metrics();
            if (!now.sameNumbersAs(lastMetrics)) {
                broadcastMetrics(now);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "metrics broadcast failed", e);
        }
    }

    /** The frames a new client starts with, and their side effects on it and the counters. Must hold publishLock. */
    private List<byte[]> openingFrames(ClientSession session, ConnectOptions options) {
        Openings.Opening o = openings.open(session.id, options);
        if (o.resumed()) {
            resumes.increment();
            session.skipBelow(o.skipBelow());
        } else if (options.cursor() != null) {
            resumesFailed.increment();
        }
        return o.frames();
    }

    private byte[] frame(String type, Object payload, String cursor, Boolean snapshot) {
        return Json.writeBytes(new Envelope(type, clock.instant(), payload, cursor, snapshot));
    }

    private void closeAsync(ClientSession s, int code, String reason) {
        var done = new java.util.concurrent.atomic.AtomicBoolean();
        try {
            writers.execute(() -> {
                s.connection.close(code, reason);
                done.set(true);
            });
            if (!ticker.isShutdown()) {
                ticker.schedule(() -> {
                    if (!done.get()) {
                        LOG.log(System.Logger.Level.INFO, "client " + s.id + " did not take its close in time: dropped");
                        Thread.ofVirtual().start(s.connection::abort); // never on the ticker: it may block
                    }
                }, settings.closeTimeout().toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (java.util.concurrent.RejectedExecutionException e) {
            Thread.ofVirtual().start(s.connection::abort);
        }
    }

    private static String newEpoch() {
        byte[] b = new byte[6];
        new SecureRandom().nextBytes(b);
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
        }
        return sb.toString();
    }

    private final class SessionListener implements ClientSession.Listener {
        @Override
        public void sent(ClientSession session, int messages, int frames) {
            messagesSent.add(messages);
            framesSent.add(frames);
        }

        @Override
        public void overflowed(ClientSession session) {
            slowCloses.increment();
            sessions.remove(session.id);
            LOG.log(System.Logger.Level.INFO, "client " + session.id + " too slow (queue of "
                    + settings.queueCapacity() + " full): closing with " + CloseCodes.TOO_SLOW);
            closeAsync(session, CloseCodes.TOO_SLOW, "too slow: reconnect and resume with your cursor");
        }

        @Override
        public void failed(ClientSession session, Exception cause) {
            sessions.remove(session.id);
            session.markClosing();
            session.connection.abort();
        }
    }
}
