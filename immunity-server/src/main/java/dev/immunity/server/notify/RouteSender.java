package dev.immunity.server.notify;

import dev.immunity.core.util.Backoff;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Delivers one route's notifications on its own thread, from a bounded queue: a slow or dead receiver holds up
 * nothing but this route. A first notification waits {@code digestWindow} for company, and messages are at least
 * {@code minInterval} apart: what arrives meanwhile goes out as one digest. Each message is one delivery with one
 * id, retried with exponential backoff and jitter ({@link Backoff}) on 5xx, timeouts and connection failures, after a
 * 429 when its
 * {@code Retry-After} says, and given up (counted, logged without the URL's secret path) after the last attempt.
 */
final class RouteSender implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RouteSender.class.getName());
    /** The longest Retry-After honoured; a longer one is waited this long. */
    static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(5);

    private final NotifySettings.Route route;
    private final NotifySettings settings;
    private final HttpClient http;
    private final InstantSource clock;
    private final BlockingQueue<Notification> queue;
    private final Thread thread;
    private volatile boolean running = true;
    private long lastSentNanos = Long.MIN_VALUE / 2;

    final LongAdder sent = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder dropped = new LongAdder();
    final LongAdder retried = new LongAdder();

    RouteSender(NotifySettings.Route route, NotifySettings settings, HttpClient http, InstantSource clock) {
        this.route = route;
        this.settings = settings;
        this.http = http;
        this.clock = clock;
        this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
        this.thread = Thread.ofPlatform().daemon(true).name("immunity-notify-" + route.name()).unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    NotifySettings.Route route() {
        return route;
    }

    /** Queues a notification; never blocks. A full queue drops it, counted and logged. */
    void offer(Notification n) {
        if (!queue.offer(n)) {
            dropped.increment();
            LOG.log(System.Logger.Level.WARNING, "notify: route " + route.name() + " is " + settings.queueCapacity()
                    + " notifications behind; dropped " + n.event().wire() + " for " + n.cveId());
        }
    }

    private void run() {
        while (running) {
            try {
                Notification first = queue.take();
                List<Notification> batch = new ArrayList<>();
                batch.add(first);
                long sinceLast = System.nanoTime() - lastSentNanos;
                long wait = Math.max(settings.digestWindow().toNanos(), settings.minInterval().toNanos() - sinceLast);
                long until = System.nanoTime() + wait;
                while (true) {
                    long left = until - System.nanoTime();
                    Notification n = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
                    if (n == null) {
                        break;
                    }
                    batch.add(n);
                }
                deliver(batch);
                lastSentNanos = System.nanoTime();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "notify: route " + route.name() + " failed", e);
            }
        }
    }

    /**
     * Delivers one message (one notification or a digest) with retries; returns whether the receiver took it.
     * Runs on the caller's thread: the route's sender, or {@code immunity notify test}.
     */
    boolean deliver(List<Notification> batch) throws InterruptedException {
        String delivery = UUID.randomUUID().toString();
        byte[] body = Payloads.body(route, delivery, batch, clock.instant());
        HttpRequest.Builder request = HttpRequest.newBuilder(route.url()).timeout(settings.timeout())
                .header("Content-Type", "application/json; charset=utf-8")
                .header("User-Agent", "immunity-notify")
                .header("X-Immunity-Delivery", delivery)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (route.secret() != null) {
            request.header("X-Immunity-Signature-256", "sha256=" + Signature.hmacSha256Hex(route.secret(), body));
        }
        Backoff backoff = new Backoff(settings.backoff(), settings.backoff().multipliedBy(64));
        String why = null;
        for (int attempt = 1; attempt <= settings.maxAttempts(); attempt++) {
            Duration wait;
            try {
                HttpResponse<Void> r = http.send(request.build(), HttpResponse.BodyHandlers.discarding());
                int status = r.statusCode();
                if (status >= 200 && status < 300) {
                    sent.increment();
                    return true;
                }
                why = "HTTP " + status;
                if (status == 429) {
                    wait = retryAfter(r.headers().firstValue("Retry-After").orElse(null), backoff);
                } else if (status >= 500 || status == 408) {
                    wait = backoff.next();
                } else {
                    break; // the receiver refuses this message: retrying would not change that
                }
            } catch (IOException e) {
                why = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
                wait = backoff.next();
            }
            if (attempt == settings.maxAttempts() || !running) {
                break;
            }
            retried.increment();
            Thread.sleep(wait.toMillis());
        }
        failed.increment();
        LOG.log(System.Logger.Level.WARNING, "notify: route " + route.name() + " (" + route.where() + ") gave up delivery "
                + delivery + " of " + batch.size() + " notification(s): " + why);
        return false;
    }

    /** Retry-After in seconds or as an HTTP date; capped at {@link #MAX_RETRY_AFTER}; the backoff when absent. */
    private Duration retryAfter(String header, Backoff backoff) {
        if (header == null || header.isBlank()) {
            return backoff.next();
        }
        Duration d;
        try {
            d = Duration.ofSeconds(Long.parseLong(header.strip()));
        } catch (NumberFormatException e) {
            try {
                d = Duration.between(clock.instant(),
                        ZonedDateTime.parse(header.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            } catch (java.time.format.DateTimeParseException e2) {
                return backoff.next();
            }
        }
        return d.isNegative() ? Duration.ZERO : d.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : d;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }

    /** HMAC-SHA256 with the JDK's {@code javax.crypto} (as GitHub signs its webhooks). */
    static final class Signature {
        private Signature() {
        }

        static String hmacSha256Hex(String secret, byte[] body) {
            try {
                javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
                mac.init(new javax.crypto.spec.SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
                return HexFormat.of().formatHex(mac.doFinal(body));
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is not available", e);
            }
        }
    }
}
