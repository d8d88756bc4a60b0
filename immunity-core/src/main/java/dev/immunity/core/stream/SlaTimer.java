package dev.immunity.core.stream;

import dev.immunity.core.sla.SlaClock;
import dev.immunity.core.sla.SlaStatus;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A timer on the SLA clock's next transition: at risk and breached are sent the moment they happen, whether or not
 * another event arrives. One timer is armed at a time, for the soonest transition; it runs on the stream manager's
 * ticker under the manager's publish lock, and re-arms itself for the next.
 */
final class SlaTimer {
    private static final System.Logger LOG = System.getLogger(SlaTimer.class.getName());

    private final SlaClock sla;
    private final ScheduledExecutorService ticker;
    private final InstantSource clock;
    private final Object lock;
    private final BooleanSupplier live;
    private final Consumer<SlaStatus> send;
    /** The timer armed, and when it fires (guarded by lock). */
    private ScheduledFuture<?> timer;
    private Instant at;

    /**
     * @param lock the stream manager's publish lock, held by {@link #arm}'s callers and taken by the timer
     * @param live whether the manager runs (not before its start, nor after its stop)
     * @param send sends one transition to the clients it concerns
     */
    SlaTimer(SlaClock sla, ScheduledExecutorService ticker, InstantSource clock, Object lock, BooleanSupplier live,
             Consumer<SlaStatus> send) {
        this.sla = sla;
        this.ticker = ticker;
        this.clock = clock;
        this.lock = lock;
        this.live = live;
        this.send = send;
    }

    /** Arms the timer for the clock's next transition when it is sooner than the one armed. Must hold the lock. */
    void arm() {
        Instant next = sla.nextDue();
        if (next == null || !live.getAsBoolean() || at != null && !next.isBefore(at)) {
            return;
        }
        if (timer != null) {
            timer.cancel(false);
        }
        long nanos = Math.max(0, Duration.between(clock.instant(), next).toNanos());
        at = next;
        timer = ticker.schedule(this::fire, (nanos + 999_999) / 1_000_000, TimeUnit.MILLISECONDS);
    }

    private void fire() {
        try {
            synchronized (lock) {
                at = null;
                for (SlaStatus s : sla.advance(clock.instant())) {
                    send.accept(s);
                }
                arm();
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "SLA timer failed", e);
        }
    }
}
