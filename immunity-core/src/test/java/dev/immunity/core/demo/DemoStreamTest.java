package dev.immunity.core.demo;

import dev.immunity.core.json.Json;
import dev.immunity.core.json.WireFormat;
import dev.immunity.core.model.Apv;
import dev.immunity.core.model.Event;
import dev.immunity.core.model.Patch;
import dev.immunity.core.model.PatchStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DemoStreamTest {
    private static final Instant NOW = Instant.parse("2025-10-11T14:30:00Z");

    @Test
    void start_emitsApvsAndThenTheirPatchStates_onOneDaemonThread() throws InterruptedException {
        List<Event> events = new CopyOnWriteArrayList<>();
        Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        CountDownLatch firstPatch = new CountDownLatch(1);
        DemoGenerator gen = new DemoGenerator(1, InstantSource.system());
        try (DemoStream demo = new DemoStream(gen, event -> {
            events.add(event);
            Thread t = Thread.currentThread();
            threads.add(t.getName() + (t.isDaemon() ? "/daemon" : ""));
            if (event instanceof Patch) {
                firstPatch.countDown();
            }
        }, Duration.ofMillis(200))) {
            demo.start();

            assertThat(firstPatch.await(10, TimeUnit.SECONDS)).as("a patch state within 10 s").isTrue();
        }

        assertThat(threads).containsExactly("immunity-demo/daemon");
        assertThat(events.get(0)).isInstanceOf(Apv.class);
        assertThat(events.stream().filter(Apv.class::isInstance).count()).isGreaterThanOrEqualTo(3);
        Set<String> apvsSeen = new HashSet<>();
        for (Event e : events) {
            if (e instanceof Apv apv) {
                apvsSeen.add(apv.cveId());
            } else if (e instanceof Patch p) {
                assertThat(apvsSeen).as("a patch comes after its APV").contains(p.cveId());
                assertThat(p.status()).isEqualTo(PatchStatus.PENDING);
            }
        }
    }

    @Test
    void close_stopsTheStream() throws InterruptedException {
        List<Event> events = new CopyOnWriteArrayList<>();
        CountDownLatch two = new CountDownLatch(2);
        DemoStream demo = new DemoStream(new DemoGenerator(2, InstantSource.system()), e -> {
            events.add(e);
            two.countDown();
        }, Duration.ofMillis(20));
        demo.start();
        assertThat(two.await(5, TimeUnit.SECONDS)).isTrue();

        demo.close();
        int afterClose = events.size();
        // Negative check: for 300 ms after close, nothing more arrives.
        org.awaitility.Awaitility.await().during(java.time.Duration.ofMillis(300)).atMost(java.time.Duration.ofSeconds(5))
                .until(() -> events.size() == afterClose);
        assertThat(demo.isRunning()).isFalse();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("immunity-demo") && t.isAlive());
        demo.close(); // idempotent
        assertThatThrownBy(demo::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void sinkFailure_isLoggedAndTheStreamGoesOn() throws InterruptedException {
        CountDownLatch three = new CountDownLatch(3);
        try (DemoStream demo = new DemoStream(new DemoGenerator(3, InstantSource.system()), e -> {
            three.countDown();
            throw new IllegalStateException("sink is broken");
        }, Duration.ofMillis(20))) {
            demo.start();

            assertThat(three.await(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void start_twice_isRejected() {
        try (DemoStream demo = new DemoStream(new DemoGenerator(4, InstantSource.system()), e -> { })) {
            demo.start();

            assertThatThrownBy(demo::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("already");
        }
    }

    @Test
    void constructor_nonPositiveInterval_isRejected() {
        DemoGenerator gen = new DemoGenerator(5, InstantSource.system());

        assertThatThrownBy(() -> new DemoStream(gen, e -> { }, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("meanInterval");
    }

    @Test
    void backlog_coversTheSpanInEventTimeOrderWithFinishedLifecycles() {
        DemoGenerator gen = new DemoGenerator(6, InstantSource.fixed(NOW));

        List<Event> events = DemoStream.backlog(gen, 60, Duration.ofMinutes(30));

        List<Apv> apvs = events.stream().filter(Apv.class::isInstance).map(Apv.class::cast).toList();
        assertThat(apvs).hasSize(60);
        assertThat(apvs).allSatisfy(a -> assertThat(a.detectedAt())
                .isBetween(NOW.minus(Duration.ofMinutes(30)), NOW.minus(DemoGenerator.MAX_LIFECYCLE)));
        assertThat(apvs.get(0).detectedAt()).isBefore(NOW.minus(Duration.ofMinutes(29)));
        assertThat(apvs.get(59).detectedAt()).isAfter(NOW.minus(Duration.ofMinutes(4)));

        List<Instant> times = new ArrayList<>();
        Map<String, Patch> lastState = new HashMap<>();
        Set<String> apvsSeen = new HashSet<>();
        for (Event e : events) {
            if (e instanceof Apv a) {
                times.add(a.detectedAt());
                apvsSeen.add(a.cveId());
            } else if (e instanceof Patch p) {
                times.add(p.updatedAt());
                assertThat(apvsSeen).contains(p.cveId());
                Patch before = lastState.put(p.patchId(), p);
                if (before != null) {
                    assertThat(before.status().canMoveTo(p.status())).isTrue();
                }
            }
        }
        assertThat(times).isSorted().allMatch(t -> !t.isAfter(NOW));
        assertThat(lastState.values()).isNotEmpty().allMatch(p -> p.status().isFinal(), "every lifecycle finished");
        assertThat(lastState.values()).anyMatch(p -> p.status() == PatchStatus.MERGED);
    }

    @Test
    void backlog_thenLiveApvs_neverRepeatACveId() {
        DemoGenerator gen = new DemoGenerator(7, InstantSource.fixed(NOW));
        Set<String> ids = new HashSet<>();
        DemoStream.backlog(gen, 200, Duration.ofMinutes(30)).stream()
                .filter(Apv.class::isInstance).forEach(e -> ids.add(((Apv) e).cveId()));

        for (int i = 0; i < 200; i++) {
            assertThat(ids.add(gen.nextApv().cveId())).isTrue();
        }
    }

    @Test
    void backlog_shortSpan_stillEndsEveryLifecycleBeforeNow() {
        DemoGenerator gen = new DemoGenerator(8, InstantSource.fixed(NOW));

        List<Event> events = DemoStream.backlog(gen, 5, Duration.ofSeconds(60));

        assertThat(events.stream().filter(Apv.class::isInstance)).hasSize(5);
        assertThat(events).allSatisfy(e -> {
            if (e instanceof Patch p) {
                assertThat(p.updatedAt()).isBeforeOrEqualTo(NOW);
                assertThat(WireFormat.parsePatch(Json.write(WireFormat.toWire(p)), NOW)).isEqualTo(p);
            }
        });
    }
}
