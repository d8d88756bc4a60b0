package dev.immunity.cli.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.immunity.core.synth.ApvCompletion;
import dev.immunity.core.json.Json;
import org.HdrHistogram.Histogram;

import java.lang.management.ManagementFactory;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Year;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.random.RandomGenerator;

/** One bench run: connect the clients, drive the events, drain, and measure. */
final class BenchRun {
    /** What a run needs. */
    /** @param stream where the clients connect when not at {@code base} (a server's stream port), else null */
    record Plan(Scenario scenario, URI base, URI stream, String token, int clients, double rate, Duration duration,
                int payloadBytes, boolean batch, int connectConcurrency, Duration warmup) {
    }

    /** The run could not start (the server is unreachable, no client could connect). */
    static final class Unreachable extends RuntimeException {
        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final long DRAIN_QUIET_NANOS = TimeUnit.SECONDS.toNanos(3);
    private static final long DRAIN_MAX_NANOS = TimeUnit.SECONDS.toNanos(15);

    private final Plan plan;
    private final Connector connector;
    private final java.net.http.HttpClient metricsHttp = java.net.http.HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(3)).build();
    private final EventSender sender;
    private final LocalServer local;
    private final String tag;
    private final String marker;

    BenchRun(Plan plan, Connector connector, EventSender sender, LocalServer local) {
        this.plan = plan;
        this.connector = connector;
        this.sender = sender;
        this.local = local;
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        Random rnd = new Random();
        StringBuilder t = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            t.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        this.tag = t.toString();
        this.marker = "CVE-" + Year.now(ZoneOffset.UTC) + "-B" + tag + "-";
    }

    /** The APV template: a complete APV whose JSON is about {@code payloadBytes} long, cve_id {@code marker + "SEQ"}. */
    String template() {
        ObjectNode partial = Json.mapper().createObjectNode();
        partial.put("cve_id", marker + "SEQ");
        partial.put("priority", "high");
        partial.put("summary", "immunity bench event");
        partial.put("details", "Synthetic event of the immunity bench.");
        partial.putArray("aliases");
        ObjectNode full = ApvCompletion.complete(partial, Clock.systemUTC(), RandomGenerator.of("L64X128MixRandom"));
        int pad = plan.payloadBytes() - Json.write(full).length();
        if (pad > 0) {
            full.put("details", "Synthetic event of the immunity bench. " + "x".repeat(pad));
        }
        return Json.write(full);
    }

    Map<String, Object> run() throws InterruptedException {
        String template = template();
        long count = plan.scenario() == Scenario.idle ? 1
                : new OpenLoopSchedule(0, plan.rate()).count(plan.duration().toNanos());
        if (count > 50_000_000) {
            throw new IllegalArgumentException("--rate x --duration: more than 50,000,000 events");
        }
        AtomicLongArray intended = new AtomicLongArray((int) count + 1);
        URI ws = wsUri();

        OptionalLong heapBefore = plan.scenario() == Scenario.idle && local != null ? local.heapAfterGcBytes() : OptionalLong.empty();
        OptionalLong rssBefore = local != null ? local.rssBytes() : OptionalLong.empty();

        // Connect.
        List<BenchClient> clients = new ArrayList<>();
        List<Connector.Handle> sockets = new ArrayList<>();
        Histogram connect = Percentiles.newMicrosHistogram();
        Semaphore inFlight = new Semaphore(plan.connectConcurrency());
        AtomicLong connectFailures = new AtomicLong();
        AtomicReference<Throwable> firstFailure = new AtomicReference<>();
        List<CompletableFuture<?>> pending = new ArrayList<>();
        long connectStart = System.nanoTime();
        for (int i = 0; i < plan.clients(); i++) {
            boolean slow = plan.scenario() == Scenario.slow && i == 0;
            BenchClient c = new BenchClient(marker, intended, slow);
            clients.add(c);
            inFlight.acquire();
            long t0 = System.nanoTime();
            CompletableFuture<Connector.Handle> open = connector.connect(ws, c);
            CompletableFuture<?> ready = open.thenCompose(s -> c.hello.orTimeout(10, TimeUnit.SECONDS).thenApply(v -> s))
                    .whenComplete((s, e) -> {
                        inFlight.release();
                        if (e != null) {
                            connectFailures.incrementAndGet();
                            firstFailure.compareAndSet(null, e);
                        } else {
                            synchronized (connect) {
                                connect.recordValue((System.nanoTime() - t0) / 1000);
                            }
                            synchronized (sockets) {
                                sockets.add(s);
                            }
                        }
                    });
            pending.add(ready);
            if (i == 0) {
                try {
                    ready.get(15, TimeUnit.SECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    throw new Unreachable(reachMessage(e), e);
                }
            }
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).handle((v, e) -> null).join();
        double connectSeconds = (System.nanoTime() - connectStart) / 1e9;

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("scenario", plan.scenario().name());
        report.put("server", plan.base().toString());
        report.put("stream", wsUri().toString().replaceFirst("token=[^&]*", "token=…"));
        report.put("source", sender.describe());
        report.put("clients", plan.clients());
        report.put("connected", sockets.size());
        report.put("connect_failures", connectFailures.get());
        report.put("connect_ms", Percentiles.of(connect));
        report.put("connect_all_seconds", round(connectSeconds, 2));
        report.put("batch", plan.batch());
        report.put("client", connector instanceof NettyConnector ? "netty" : "jdk");
        report.put("payload_bytes", template.length());

        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Long serverSlow0 = serverSlowCloses();
        OptionalLong threads0 = local != null ? local.threads() : OptionalLong.empty();
        OptionalLong rss0 = local != null ? local.rssBytes() : OptionalLong.empty();
        OptionalLong heap0 = plan.scenario() == Scenario.soak && local != null ? local.heapAfterGcBytes() : OptionalLong.empty();
        long benchCpu0 = os.getProcessCpuTime();
        long serverCpu0 = local != null ? local.cpuNanos() : -1;
        Histogram senderLag = Percentiles.newMicrosHistogram();
        AtomicLong accepted = new AtomicLong();
        AtomicLong sendErrors = new AtomicLong();
        AtomicReference<String> sendError = new AtomicReference<>();
        long start;
        long sendEnd;

        if (plan.scenario() == Scenario.idle) {
            OptionalLong heapAfter = local != null ? local.heapAfterGcBytes() : OptionalLong.empty();
            OptionalLong rssAfter = local != null ? local.rssBytes() : OptionalLong.empty();
            int n = Math.max(1, sockets.size());
            report.put("server_heap_per_connection_bytes", heapBefore.isPresent() && heapAfter.isPresent()
                    ? (heapAfter.getAsLong() - heapBefore.getAsLong()) / n : null);
            report.put("server_rss_per_connection_bytes", rssBefore.isPresent() && rssAfter.isPresent()
                    ? (rssAfter.getAsLong() - rssBefore.getAsLong()) / n : null);
            Thread.sleep(plan.duration().toMillis());
            start = System.nanoTime();
            sendOne(0, start, template, intended, accepted, sendErrors, sendError);
            sendEnd = System.nanoTime();
        } else {
            warmUp(template);
            benchCpu0 = os.getProcessCpuTime();
            serverCpu0 = local != null ? local.cpuNanos() : -1;
            start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
            OpenLoopSchedule schedule = new OpenLoopSchedule(start, plan.rate());
            for (long i = 0; i < count; i++) {
                long due = schedule.intendedNanos(i);
                long now;
                while ((now = System.nanoTime()) < due) {
                    LockSupport.parkNanos(due - now);
                }
                senderLag.recordValue((now - due) / 1000);
                sendOne((int) i, due, template, intended, accepted, sendErrors, sendError);
            }
            sendEnd = System.nanoTime();
        }

        // Drain: wait until every fast client has every accepted event, or nothing moves for a while.
        List<BenchClient> fast = clients.stream().filter(c -> plan.scenario() != Scenario.slow || c != clients.get(0))
                .filter(c -> c.openedNanos != 0).toList();
        long lastProgress = System.nanoTime();
        long lastTotal = -1;
        while (true) {
            long total = 0;
            for (BenchClient c : fast) {
                total += c.received;
            }
            long expected = (long) fast.size() * accepted.get();
            long now = System.nanoTime();
            if (total >= expected && accepted.get() + sendErrors.get() == count) {
                break;
            }
            if (total != lastTotal) {
                lastTotal = total;
                lastProgress = now;
            }
            if (now - lastProgress > DRAIN_QUIET_NANOS || now - sendEnd > DRAIN_MAX_NANOS) {
                break;
            }
            Thread.sleep(20);
        }
        long end = System.nanoTime();
        long benchCpu = os.getProcessCpuTime() - benchCpu0;
        long serverCpu = local != null && serverCpu0 >= 0 ? local.cpuNanos() - serverCpu0 : -1;

        long deliveries = 0;
        long duplicated = 0;
        long lastDelivery = start;
        List<Histogram> parts = new ArrayList<>();
        for (BenchClient c : clients) {
            deliveries += c.received;
            duplicated += c.duplicated;
            parts.add(c.latency);
        }
        long expected = (long) fast.size() * accepted.get();
        long fastReceived = fast.stream().mapToLong(c -> c.received).sum();
        for (BenchClient c : clients) {
            lastDelivery = Math.max(lastDelivery, c.lastMessageNanos);
        }
        double activeSeconds = Math.max(1e-9, (Math.min(end, Math.max(lastDelivery, sendEnd)) - start) / 1e9);
        report.put("rate_per_second", plan.scenario() == Scenario.idle ? null : plan.rate());
        report.put("duration_seconds", round(plan.duration().toMillis() / 1000.0, 1));
        report.put("warmup_seconds", plan.scenario() == Scenario.idle ? null : round(plan.warmup().toMillis() / 1000.0, 1));
        report.put("events_sent", accepted.get());
        report.put("send_errors", sendErrors.get());
        report.put("send_error", sendError.get());
        report.put("expected_deliveries", expected);
        report.put("deliveries", deliveries);
        report.put("deliveries_per_second", Math.round(deliveries / activeSeconds));
        report.put("lost", Math.max(0, expected - fastReceived));
        report.put("duplicated", duplicated);
        report.put("latency_ms", Percentiles.of(Percentiles.merge(parts)));
        long slowCloses = clients.stream().filter(c -> c.closeCode == 4001).count();
        long otherCloses = clients.stream().filter(c -> c.closedNanos != 0 && c.closeCode != 4001).count();
        Long serverSlow1 = serverSlowCloses();
        report.put("slow_client_closes", serverSlow0 != null && serverSlow1 != null ? serverSlow1 - serverSlow0 : slowCloses);
        report.put("slow_client_closes_seen", slowCloses);
        report.put("other_closes", otherCloses);
        if (plan.scenario() == Scenario.idle) {
            report.put("idle_alive", clients.stream().filter(c -> c.received > 0).count());
        }
        long connectedNanos = 0;
        long maxGap = 0;
        for (BenchClient c : clients) {
            if (c.openedNanos == 0) {
                continue;
            }
            connectedNanos += c.connectedNanos(start, end);
            long tail = (c.closedNanos == 0 ? end : c.closedNanos) - c.lastMessageNanos;
            maxGap = Math.max(maxGap, Math.max(c.maxGapNanos, tail));
        }
        report.put("connected_share", plan.clients() == 0 ? null
                : round(connectedNanos / ((double) plan.clients() * (end - start)), 5));
        report.put("max_message_gap_ms", round(maxGap / 1e6, 1));
        report.put("server_pid", local != null ? local.pid() : null);
        OptionalLong threads1 = local != null ? local.threads() : OptionalLong.empty();
        OptionalLong rss1 = local != null ? local.rssBytes() : OptionalLong.empty();
        report.put("server_threads_start_end", threads0.isPresent() && threads1.isPresent()
                ? threads0.getAsLong() + " -> " + threads1.getAsLong() : null);
        report.put("server_rss_mb_start_end", rss0.isPresent() && rss1.isPresent()
                ? rss0.getAsLong() / 1_048_576 + " -> " + rss1.getAsLong() / 1_048_576 : null);
        OptionalLong heap1 = plan.scenario() == Scenario.soak && local != null ? local.heapAfterGcBytes() : OptionalLong.empty();
        report.put("server_heap_after_gc_mb_start_end", heap0.isPresent() && heap1.isPresent()
                ? heap0.getAsLong() / 1_048_576 + " -> " + heap1.getAsLong() / 1_048_576 : null);
        report.put("server_cpu_seconds", serverCpu >= 0 ? round(serverCpu / 1e9, 2) : null);
        report.put("server_cpu_us_per_delivery", serverCpu >= 0 && deliveries > 0 ? round(serverCpu / 1e3 / deliveries, 3) : null);

        Map<String, Object> generator = new LinkedHashMap<>();
        generator.put("sender_lag_ms", Percentiles.of(senderLag));
        generator.put("bench_cpu_seconds", round(benchCpu / 1e9, 2));
        generator.put("bench_cpu_share_of_machine", round(benchCpu / ((end - start) * (double) Runtime.getRuntime().availableProcessors()), 3));
        generator.put("bench_cpu_us_per_delivery", deliveries > 0 ? round(benchCpu / 1e3 / deliveries, 3) : null);
        generator.put("how", "open loop: event i is due at start + i/rate and latency counts from that time; "
                + "sender_lag is how late the generator fired (p99 well under the latency p50 = not the limit); "
                + "bench CPU per delivery and its share of the machine show what the clients cost; "
                + "the same bench drives the Node peer, whose rate bounds what the generator can deliver");
        report.put("generator", generator);

        for (Connector.Handle s : sockets) {
            s.abort();
        }
        return report;
    }

    /**
     * Sends events at the planned rate for the warm-up time, with ids the clients do not count (another
     * marker), so that both JITs have compiled the hot paths before anything is measured.
     */
    private void warmUp(String template) throws InterruptedException {
        long nanos = plan.warmup().toNanos();
        if (nanos <= 0) {
            return;
        }
        String warm = marker.replace("-B" + tag + "-", "-W" + tag + "-");
        OpenLoopSchedule schedule = new OpenLoopSchedule(System.nanoTime(), plan.rate());
        long n = schedule.count(nanos);
        for (long i = 0; i < n; i++) {
            long due = schedule.intendedNanos(i);
            long now;
            while ((now = System.nanoTime()) < due) {
                LockSupport.parkNanos(due - now);
            }
            String id = warm + i;
            sender.send(id, template.replace(marker + "SEQ", id));
        }
        Thread.sleep(1000);
    }

    /** The server's own count of clients closed as too slow (its Prometheus metrics), or null (e.g. the peer). */
    private Long serverSlowCloses() {
        try {
            var r = metricsHttp.send(java.net.http.HttpRequest.newBuilder(plan.base().resolve("/observe/metrics"))
                    .timeout(Duration.ofSeconds(3)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return null;
            }
            return r.body().lines().filter(l -> l.startsWith("immunity_slow_client_closes_total"))
                    .map(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(null);
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private void sendOne(int seq, long due, String template, AtomicLongArray intended, AtomicLong accepted,
                         AtomicLong sendErrors, AtomicReference<String> sendError) {
        intended.set(seq, due == 0 ? 1 : due);
        String id = marker + seq;
        sender.send(id, template.replace(marker + "SEQ", id)).whenComplete((v, e) -> {
            if (e == null) {
                accepted.incrementAndGet();
            } else {
                sendErrors.incrementAndGet();
                Throwable root = e.getCause() != null ? e.getCause() : e;
                sendError.compareAndSet(null, String.valueOf(root.getMessage()));
            }
        });
    }

    private URI wsUri() {
        URI b = plan.stream() != null ? plan.stream() : plan.base();
        String scheme = "https".equals(b.getScheme()) ? "wss" : "ws";
        StringBuilder q = new StringBuilder();
        if (plan.batch()) {
            q.append("batch=ndjson");
        }
        if (plan.token() != null) {
            q.append(q.isEmpty() ? "" : "&").append("token=").append(plan.token());
        }
        String path = (b.getPath() == null ? "" : b.getPath()) + "/ws/adaptive-immunity";
        return URI.create(scheme + "://" + b.getAuthority() + path + (q.isEmpty() ? "" : "?" + q));
    }

    private String reachMessage(Exception e) {
        Throwable root = e;
        boolean unreachable = false;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            root = t;
            unreachable |= t instanceof ConnectException || t instanceof HttpTimeoutException
                    || t instanceof TimeoutException || t instanceof java.nio.channels.ClosedChannelException;
        }
        if (unreachable) {
            return "cannot reach server at " + plan.base() + ": is it running? set --server";
        }
        return "cannot open the stream at " + wsUri() + ": " + (root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName());
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
