package dev.immunity.core.demo;

import dev.immunity.core.model.Apv;
import dev.immunity.core.model.Event;
import dev.immunity.core.synth.PatchStep;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs a {@link DemoGenerator} in real time: an APV about every {@code meanInterval} (exponentially distributed
 * waits, so it looks like a real feed) and, for each, its planned patch states at their delays. Everything runs on
 * one daemon thread named {@value #THREAD_NAME}, which also calls the sink; the sink should hand events off
 * rather than block. An exception from the sink is logged and the stream goes on.
 *
 * <pre>{@code
 * var generator = new DemoGenerator(42, InstantSource.system());
 * DemoStream.backlog(generator, 60, Duration.ofMinutes(30)).forEach(store::add);   // history first
 * try (var demo = new DemoStream(generator, store::add, DemoStream.DEFAULT_MEAN_INTERVAL)) {
 *     demo.start();
 *     ...
 * }
 * }</pre>
 */
public final class DemoStream implements AutoCloseable {
    /** Mean time between two APVs unless told otherwise. */
    public static final Duration DEFAULT_MEAN_INTERVAL = Duration.ofSeconds(3);
    /** The name of the stream's thread. */
    public static final String THREAD_NAME = "immunity-demo";

    private static final System.Logger LOG = System.getLogger(DemoStream.class.getName());

    private final DemoGenerator generator;
    private final Consumer<Event> sink;
    private final Duration meanInterval;
    private ScheduledExecutorService executor; // guarded by this
    private volatile boolean closed;

    /**
     * @param generator    where APVs and patch plans come from
     * @param sink         receives every event, on the stream's thread
     * @param meanInterval mean time between two APVs; positive
     */
    public DemoStream(DemoGenerator generator, Consumer<Event> sink, Duration meanInterval) {
        this.generator = Objects.requireNonNull(generator, "generator");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.meanInterval = Objects.requireNonNull(meanInterval, "meanInterval");
        if (meanInterval.isNegative() || meanInterval.isZero()) {
            throw new IllegalArgumentException("meanInterval must be positive (got " + meanInterval + ")");
        }
    }

    /** A stream with an APV every {@link #DEFAULT_MEAN_INTERVAL} on average. */
    public DemoStream(DemoGenerator generator, Consumer<Event> sink) {
        this(generator, sink, DEFAULT_MEAN_INTERVAL);
    }

    /**
     * Starts emitting: the first APV at once, the next ones after random waits.
     *
     * @throws IllegalStateException when already started or closed
     */
    public synchronized void start() {
        if (closed) {
            throw new IllegalStateException("demo stream is closed");
        }
        if (executor != null) {
            throw new IllegalStateException("demo stream already started");
        }
        executor = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread t = new Thread(task, THREAD_NAME);
            t.setDaemon(true);
            return t;
        });
        executor.execute(this::emitApv);
    }

    /** Whether {@link #start()} was called and {@link #close()} was not. */
    public boolean isRunning() {
        return !closed && executor != null;
    }

    /** Stops emitting; planned patch states not yet emitted are dropped. Idempotent. */
    @Override
    public void close() {
        ScheduledExecutorService running;
        synchronized (this) {
            closed = true;
            running = executor;
        }
        if (running == null) {
            return;
        }
        running.shutdownNow();
        if (!Thread.currentThread().getName().equals(THREAD_NAME)) {
            try {
                running.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void emitApv() {
        if (closed) {
            return;
        }
        try {
            Apv apv = generator.nextApv();
            List<PatchStep> plan = generator.plan(apv);
            deliver(apv);
            for (PatchStep step : plan) {
                executor.schedule(() -> deliver(step.patch()), step.delay().toNanos(), TimeUnit.NANOSECONDS);
            }
        } catch (RejectedExecutionException closedMeanwhile) {
            return;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "demo stream could not generate an event; going on", e);
        }
        try {
            executor.schedule(this::emitApv, generator.nextInterval(meanInterval).toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closedMeanwhile) {
            // closed
        }
    }

    private void deliver(Event event) {
        if (closed) {
            return;
        }
        try {
            sink.accept(event);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "demo stream sink failed on a " + event.type().wire() + " event", e);
        }
    }

    /**
     * History for a dashboard that should not start empty: {@code apvs} APVs detected over the {@code span} before
     * the generator's clock's instant ("now"), each with its whole patch lifecycle, ordered by event time
     * (an APV's {@code processed_at}, a patch's {@code updatedAt}). Detections are spread evenly with some jitter and
     * stop {@link DemoGenerator#MAX_LIFECYCLE} before now (or at half the span, if shorter), so every lifecycle has
     * finished: no patch is left open that nothing will ever move. Uses the generator's CVE ids, so a stream started
     * afterwards on the same generator never repeats one.
     *
     * @param generator where the events come from
     * @param apvs      how many APVs; 0 or more
     * @param span      how far back history goes; positive
     */
    public static List<Event> backlog(DemoGenerator generator, int apvs, Duration span) {
        Objects.requireNonNull(generator, "generator");
        if (apvs < 0) {
            throw new IllegalArgumentException("apvs must not be negative (got " + apvs + ")");
        }
        if (span.isNegative() || span.isZero()) {
            throw new IllegalArgumentException("span must be positive (got " + span + ")");
        }
        Instant now = generator.clock().instant();
        Instant start = now.minus(span);
        Duration quietEnd = span.compareTo(DemoGenerator.MAX_LIFECYCLE.multipliedBy(2)) >= 0
                ? DemoGenerator.MAX_LIFECYCLE : span.dividedBy(2);
        long windowNanos = span.minus(quietEnd).toNanos();

        record Timed(Instant at, Event event) {
        }
        List<Timed> events = new ArrayList<>();
        for (int i = 0; i < apvs; i++) {
            long offset = (long) (windowNanos * ((i + generator.nextUnit()) / apvs));
            Apv apv = generator.apvAt(start.plusNanos(offset));
            events.add(new Timed(apv.detectedAt(), apv));
            for (PatchStep step : generator.plan(apv)) {
                if (!step.patch().updatedAt().isAfter(now)) {
                    events.add(new Timed(step.patch().updatedAt(), step.patch()));
                }
            }
        }
        events.sort(Comparator.comparing(Timed::at)); // stable: an APV stays before its patch at the same instant
        return events.stream().map(Timed::event).toList();
    }
}
