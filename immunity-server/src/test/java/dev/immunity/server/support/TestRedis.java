package dev.immunity.server.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A real {@code redis-server} for tests, started on a free port (no persistence: a restart starts empty, as a
 * Redis used as a cache does). Set {@code IMMUNITY_TEST_REDIS=redis://host:port} to run against an external
 * Redis instead (tests that kill and restart Redis then fail, saying they need their own).
 */
public final class TestRedis implements AutoCloseable {
    /** Environment variable naming an external Redis. */
    public static final String EXTERNAL = "IMMUNITY_TEST_REDIS";

    private final String external;
    private final Path binary;
    private final int port;
    private Process process;

    private TestRedis(String external, Path binary, int port) {
        this.external = external;
        this.binary = binary;
        this.port = port;
    }

    /** Starts {@code redis-server} on a free port, or uses the Redis named by {@value #EXTERNAL}. */
    public static TestRedis start() {
        String ext = System.getenv(EXTERNAL);
        if (ext != null && !ext.isBlank()) {
            TestRedis r = new TestRedis(ext.strip(), null, -1);
            r.awaitPing(Duration.ofSeconds(10));
            return r;
        }
        Path bin = findBinary().orElseThrow(() -> new AssertionError(
                "redis-server not found on the PATH: install it (Debian: apt-get install redis-server) or set "
                        + EXTERNAL + "=redis://host:port to use a running Redis"));
        TestRedis r = new TestRedis(null, bin, TestServer.freePort());
        r.startServer();
        return r;
    }

    private static Optional<Path> findBinary() {
        List<Path> dirs = new ArrayList<>();
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!d.isBlank()) {
                dirs.add(Path.of(d));
            }
        }
        dirs.add(Path.of("/usr/bin"));
        dirs.add(Path.of("/usr/local/bin"));
        dirs.add(Path.of("/usr/sbin"));
        return dirs.stream().map(d -> d.resolve("redis-server")).filter(Files::isExecutable).findFirst();
    }

    public String uri() {
        return external != null ? external : "redis://127.0.0.1:" + port;
    }

    /** Starts the server again on the same port (after {@link #kill}); it starts empty. */
    public void startServer() {
        requireOwn("restart Redis");
        try {
            process = new ProcessBuilder(binary.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            throw new AssertionError("cannot start " + binary + ": " + e.getMessage(), e);
        }
        awaitPing(Duration.ofSeconds(10));
    }

    /** Kills the server (SIGKILL): connections drop at once, like a crash. */
    public void kill() {
        requireOwn("kill Redis");
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Freezes the server (SIGSTOP): connections stay open but nothing answers, like a hung Redis. */
    public void freeze() {
        requireOwn("freeze Redis");
        signal("-STOP");
    }

    /** Lets a frozen server go on (SIGCONT). */
    public void thaw() {
        requireOwn("thaw Redis");
        signal("-CONT");
    }

    private void signal(String signal) {
        try {
            int rc = new ProcessBuilder("kill", signal, Long.toString(process.pid())).inheritIO().start().waitFor();
            if (rc != 0) {
                throw new AssertionError("kill " + signal + " " + process.pid() + " failed with " + rc);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void requireOwn(String what) {
        if (external != null) {
            throw new AssertionError("this test needs to " + what + ": it needs its own redis-server (unset " + EXTERNAL + ")");
        }
    }

    /** Sends one command (RESP) and returns the raw reply's first line, for checks. */
    public String command(String... args) {
        URI u = URI.create(uri());
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(u.getHost(), u.getPort()), 2000);
            s.setSoTimeout(2000);
            StringBuilder req = new StringBuilder("*").append(args.length).append("\r\n");
            for (String a : args) {
                byte[] b = a.getBytes(StandardCharsets.UTF_8);
                req.append('$').append(b.length).append("\r\n").append(a).append("\r\n");
            }
            OutputStream out = s.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            String first = readLine(in);
            if (first.startsWith("$")) {
                int n = Integer.parseInt(first.substring(1));
                if (n < 0) {
                    return null;
                }
                byte[] body = in.readNBytes(n);
                return new String(body, StandardCharsets.UTF_8);
            }
            return first;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\r') {
                in.read();
                break;
            }
            sb.append((char) c);
        }
        return sb.toString();
    }

    private void awaitPing(Duration timeout) {
        Await.await("Redis at " + uri() + " answers PING", timeout, () -> {
            try {
                return "+PONG".equals(command("PING"));
            } catch (RuntimeException e) {
                return false; // not yet
            }
        });
    }

    @Override
    public void close() {
        if (process != null) {
            process.destroyForcibly();
        }
    }
}
