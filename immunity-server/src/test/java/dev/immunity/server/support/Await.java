package dev.immunity.server.support;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition with a generous timeout (tests assert behaviour, not speed), through Awaitility. */
public final class Await {
    private Await() {
    }

    /** Polls {@code condition} every 50 ms; fails naming {@code what} if it does not hold within {@code timeout}. */
    public static void await(String what, Duration timeout, BooleanSupplier condition) {
        try {
            Awaitility.await(what).atMost(timeout).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50))
                    .until(condition::getAsBoolean);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("not within " + timeout.toSeconds() + " s: " + what, e);
        }
    }

    /**
     * A negative check: {@code condition} holds throughout {@code period} (for example "no further message arrives").
     * The period is a short bound chosen by the test, not a wait for something to happen.
     */
    public static void holdsFor(String what, Duration period, BooleanSupplier condition) {
        Awaitility.await(what).during(period).atMost(period.plusSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(condition::getAsBoolean);
    }
}
