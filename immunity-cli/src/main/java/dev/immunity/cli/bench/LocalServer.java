package dev.immunity.cli.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server process on this machine the bench can measure: its CPU time ({@code /proc}, through
 * {@link ProcessHandle}), resident memory and, for a JVM, its heap after a full GC ({@code jcmd}).
 * Either one the bench started ({@code --start-server}: {@code immunity serve} in a child JVM) or one
 * named by {@code --server-pid}.
 */
final class LocalServer implements AutoCloseable {
    private static final Pattern USED = Pattern.compile("used (\\d+)K");
    private final ProcessHandle handle;
    private final Process child;

    private LocalServer(ProcessHandle handle, Process child) {
        this.handle = handle;
        this.child = child;
    }

    static LocalServer attach(long pid) {
        return new LocalServer(ProcessHandle.of(pid).orElseThrow(() ->
                new IllegalArgumentException("--server-pid: no process " + pid)), null);
    }

    /**
     * Starts {@code immunity serve --port PORT [--stream-port S] [--kafka B]} in a child JVM with this JVM's class path,
     * the trigger's rate limit lifted, and waits until {@code /observe/health} answers 200.
     */
    static LocalServer start(int port, Integer streamPort, String kafka, List<String> jvmOptions, Map<String, String> env,
                             HttpClient http, Duration timeout) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.immunity.cli.ImmunityCli",
                "serve", "--port", Integer.toString(port)));
        if (streamPort != null) {
            cmd.addAll(List.of("--stream-port", streamPort.toString()));
        }
        if (kafka != null) {
            cmd.addAll(List.of("--kafka", kafka));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(Files.createTempFile("immunity-bench-server", ".log").toFile()));
        pb.environment().putIfAbsent("IMMUNITY_TRIGGER_RATE_PER_SECOND", "1000000");
        pb.environment().putAll(env);
        Process p = pb.start();
        LocalServer server = new LocalServer(p.toHandle(), p);
        URI health = URI.create("http://127.0.0.1:" + port + "/observe/health");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException("the server process exited with " + p.exitValue() + " at start");
            }
            try {
                var r = http.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return server;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        server.close();
        throw new IOException("the server did not become healthy within " + timeout.toSeconds() + " s");
    }

    long pid() {
        return handle.pid();
    }

    /** Total CPU time (user + system) so far, in nanoseconds, or -1 when unknown. */
    long cpuNanos() {
        return handle.info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
    }

    /** Resident set size in bytes from {@code /proc/PID/status}, if readable. */
    OptionalLong rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return OptionalLong.of(Long.parseLong(line.replaceAll("\\D", "")) * 1024);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or gone
        }
        return OptionalLong.empty();
    }

    /** Threads of the process from {@code /proc/PID/status}, if readable. */
    OptionalLong threads() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                if (line.startsWith("Threads:")) {
                    return OptionalLong.of(Long.parseLong(line.replaceAll("\\D", "")));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or gone
        }
        return OptionalLong.empty();
    }

    /** Java heap in use after a full GC ({@code jcmd PID GC.run}, then {@code GC.heap_info}), if this is a JVM. */
    OptionalLong heapAfterGcBytes() {
        try {
            jcmd("GC.run");
            Matcher m = USED.matcher(jcmd("GC.heap_info"));
            return m.find() ? OptionalLong.of(Long.parseLong(m.group(1)) * 1024) : OptionalLong.empty();
        } catch (IOException e) {
            return OptionalLong.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        }
    }

    private String jcmd(String command) throws IOException, InterruptedException {
        Path jcmd = Path.of(ProcessHandle.current().info().command().orElse("java")).resolveSibling("jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid()), command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("jcmd failed: " + out);
        }
        return out;
    }

    @Override
    public void close() {
        if (child != null) {
            child.destroy();
            try {
                if (!child.waitFor(10, TimeUnit.SECONDS)) {
                    child.destroyForcibly();
                }
            } catch (InterruptedException e) {
                child.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
