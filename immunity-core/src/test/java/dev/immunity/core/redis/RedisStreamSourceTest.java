package dev.immunity.core.redis;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RedisStreamSourceTest {

    @Test
    void offsetOf_preservesTheOrderOfStreamIds() {
        assertThat(RedisStreamSource.offsetOf("0-0")).isZero();
        assertThat(RedisStreamSource.offsetOf("1764045947000-0")).isEqualTo(1764045947000L << 20);
        assertThat(RedisStreamSource.offsetOf("1764045947000-1"))
                .isGreaterThan(RedisStreamSource.offsetOf("1764045947000-0"))
                .isLessThan(RedisStreamSource.offsetOf("1764045947001-0"));
        assertThat(RedisStreamSource.offsetOf("1764045947000-1048575"))
                .isLessThan(RedisStreamSource.offsetOf("1764045947001-0"));
    }

    @Test
    void offsetOf_refusesIdsBeyondItsBound_sayingWhich() {
        assertThatThrownBy(() -> RedisStreamSource.offsetOf("1-1048576")).hasMessageContaining("1-1048576");
        assertThatThrownBy(() -> RedisStreamSource.offsetOf((1L << 43) + "-0")).hasMessageContaining("out of range");
        assertThatThrownBy(() -> RedisStreamSource.offsetOf("abc")).hasMessageContaining("not a stream id");
    }

    @Test
    void fingerprint_differsByStreamKey_andIsACursorWord() {
        RedisSettings a = RedisSettings.of("redis://localhost:6379");
        RedisSettings b = a.withStreamKey("other");
        assertThat(RedisStreamSource.fingerprint(a)).matches("r[0-9a-z]+").isNotEqualTo(RedisStreamSource.fingerprint(b));
    }

    @Test
    void settings_haveShortTimeouts_andRedactPasswords() {
        RedisSettings s = RedisSettings.of("rediss://:s3cret@redis.example:6380/0");
        assertThat(s.commandTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(s.metricsTtl()).isEqualTo(Duration.ofMinutes(5));
        assertThat(s.redactedUri()).isEqualTo("rediss://***@redis.example:6380/0");
        assertThatThrownBy(() -> RedisSettings.of("http://redis:6379")).hasMessageContaining("redis://");
    }

    @Test
    void clientOptions_rejectCommandsWhileDisconnected_withABoundedQueue_andKeepAlive() {
        var o = RedisLink.clientOptions(RedisSettings.of("redis://localhost:6379"));
        assertThat(o.getDisconnectedBehavior()).isEqualTo(io.lettuce.core.ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
        assertThat(o.getRequestQueueSize()).isEqualTo(1_000);
        assertThat(o.isAutoReconnect()).isTrue();
        assertThat(o.getSocketOptions().isKeepAlive()).isTrue();
        assertThat(o.getTimeoutOptions().isTimeoutCommands()).isTrue();
    }
}
