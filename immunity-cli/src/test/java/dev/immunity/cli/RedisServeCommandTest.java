package dev.immunity.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code immunity serve --redis} through the real command line (Redis itself is tested in the server module). */
class RedisServeCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final CommandLine cli = ImmunityCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true));

    @Test
    void serveRedis_setsTheUri_andStartsEvenWhenRedisIsNotThere() throws Exception {
        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        int code = cli.execute("serve", "--port", "0", "--redis", "redis://127.0.0.1:" + port);
        ServeCommand serve = cli.getSubcommands().get("serve").getCommand();
        try (var server = serve.server) {
            assertThat(code).isEqualTo(ServeCommand.KEEP_RUNNING);
            assertThat(server.settings().redis().uri()).isEqualTo("redis://127.0.0.1:" + port);
            assertThat(server.redisSource()).isPresent();
        }
    }

    @Test
    void serveRedis_withAWrongUri_printsOneActionableLine_andExits1() {
        assertThat(cli.execute("serve", "--redis", "cache:6379")).isEqualTo(1);
        assertThat(err.toString().strip()).startsWith("immunity: bad configuration: immunity.redis:").contains("redis://");
    }

    @Test
    void serveHelp_listsTheRedisOption() {
        assertThat(cli.execute("serve", "--help")).isZero();
        assertThat(out.toString()).contains("--redis=URI").contains("IMMUNITY_REDIS_URI");
    }
}
