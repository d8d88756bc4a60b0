package dev.immunity.server.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RedisConfigTest {

    @Test
    void redis_isOffByDefault() {
        assertThat(ServerConfig.load(Map.of(), Map.of()).redis()).isNull();
    }

    @Test
    void redisUri_fromTheEnvironment_turnsRedisOn_withTheDocumentedDefaults() {
        var r = ServerConfig.load(Map.of(), Map.of("IMMUNITY_REDIS_URI", "redis://cache:6379")).redis();
        assertThat(r.uri()).isEqualTo("redis://cache:6379");
        assertThat(r.streamKey()).isEqualTo("immunity:events");
        assertThat(r.streamMaxLength()).isEqualTo(100_000);
        assertThat(r.metricsKey()).isEqualTo("immunity:metrics");
        assertThat(r.metricsTtl()).isEqualTo(Duration.ofMinutes(5));
        assertThat(r.commandTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(r.outboxCapacity()).isEqualTo(10_000);
    }

    @Test
    void redisKeys_canBeSet() {
        var r = ServerConfig.load(Map.of("immunity.redis.uri", "rediss://:pw@cache:6380/1"), Map.of(
                "IMMUNITY_REDIS_STREAM_KEY", "s", "IMMUNITY_REDIS_STREAM_MAX_LENGTH", "50",
                "IMMUNITY_REDIS_METRICS_KEY", "m", "IMMUNITY_REDIS_METRICS_TTL", "1m",
                "IMMUNITY_REDIS_COMMAND_TIMEOUT", "200ms", "IMMUNITY_REDIS_OUTBOX_CAPACITY", "7")).redis();
        assertThat(r).isEqualTo(new dev.immunity.core.redis.RedisSettings("rediss://:pw@cache:6380/1", "s", 50, "m",
                Duration.ofMinutes(1), Duration.ofMillis(200), 7));
    }

    @Test
    void wrongRedisValues_failNamingTheKey() {
        assertThatThrownBy(() -> ServerConfig.load(Map.of(), Map.of("IMMUNITY_REDIS_URI", "cache:6379")))
                .hasMessageStartingWith("immunity.redis:").hasMessageContaining("redis://");
        assertThatThrownBy(() -> ServerConfig.load(Map.of(), Map.of("IMMUNITY_REDIS_URI", "redis://c:6379",
                "IMMUNITY_REDIS_COMMAND_TIMEOUT", "fast"))).hasMessageStartingWith("immunity.redis.command-timeout:");
        assertThatThrownBy(() -> ServerConfig.load(Map.of(), Map.of("IMMUNITY_REDIS_URI", "redis://c:6379",
                "IMMUNITY_REDIS_STREAM_MAX_LENGTH", "0"))).hasMessageStartingWith("immunity.redis.stream-max-length:");
    }
}
