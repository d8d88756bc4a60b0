package dev.immunity.core.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One Redis client per process, configured so Redis trouble can never hold anything up: commands time
 * out after {@link RedisSettings#commandTimeout()} (not lettuce's 60 s), commands issued while disconnected
 * are rejected at once (no queue growing without bound), TCP keep-alive is on, and lost connections
 * reconnect by themselves. Redis may be down at start: the link keeps trying (every second) in the
 * background.
 */
public final class RedisLink implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RedisLink.class.getName());

    private final RedisSettings settings;
    private final ClientResources resources;
    private final RedisClient client;
    private final ScheduledExecutorService connector = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("immunity-redis-connect").daemon(true).factory());
    private volatile StatefulRedisConnection<String, String> connection;
    private volatile String lastError;
    private final java.util.concurrent.atomic.AtomicLong connects = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean closed;

    public RedisLink(RedisSettings settings) {
        this.settings = settings;
        RedisURI uri = RedisURI.create(settings.uri());
        uri.setTimeout(settings.commandTimeout());
        // Reconnect soon after Redis is back (lettuce's default backs off up to 30 s).
        this.resources = DefaultClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources, uri);
        this.client.setOptions(clientOptions(settings));
        this.client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, java.net.SocketAddress address) {
                connects.incrementAndGet();
            }
        });
    }

    static ClientOptions clientOptions(RedisSettings s) {
        Duration connect = s.commandTimeout().compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : s.commandTimeout();
        return ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(1_000)
                .socketOptions(SocketOptions.builder().connectTimeout(connect).keepAlive(true).build())
                .timeoutOptions(TimeoutOptions.enabled())
                .build();
    }

    /**
     * Connects: one attempt now (at most the connect timeout, about a second, so a restarted instance can
     * answer from the shared copy at once), then every second in the background until it succeeds.
     */
    public void start() {
        ensureConnected();
        connector.scheduleWithFixedDelay(this::ensureConnected, 1, 1, TimeUnit.SECONDS);
    }

    private synchronized void ensureConnected() {
        if (connection != null || closed) {
            return;
        }
        try {
            connection = client.connect();
            LOG.log(System.Logger.Level.INFO, "Redis: connected to " + settings.redactedUri());
        } catch (RuntimeException e) {
            lastError = rootMessage(e);
            LOG.log(System.Logger.Level.DEBUG, "Redis: cannot connect: " + lastError);
        }
    }

    /** Whether the command connection is open now. */
    public boolean up() {
        var c = connection;
        return c != null && c.isOpen();
    }

    /** The shared command connection, when connected once (it reconnects by itself). */
    public Optional<RedisAsyncCommands<String, String>> commands() {
        var c = connection;
        return c == null ? Optional.empty() : Optional.of(c.async());
    }

    /** A new connection of its own for blocking reads: its commands may take {@code blockFor} longer. */
    public StatefulRedisConnection<String, String> connectForBlockingReads(Duration blockFor) {
        StatefulRedisConnection<String, String> c = client.connect();
        c.setTimeout(settings.commandTimeout().plus(blockFor));
        return c;
    }

    /** How many times a connection (re)connected: a change means Redis may have come back empty. */
    public long connects() {
        return connects.get();
    }

    public RedisSettings settings() {
        return settings;
    }

    /** The last problem seen, or null. */
    public String lastError() {
        return lastError;
    }

    void error(String message) {
        lastError = message;
    }

    @Override
    public void close() {
        closed = true;
        connector.shutdownNow();
        var c = connection;
        if (c != null) {
            c.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
