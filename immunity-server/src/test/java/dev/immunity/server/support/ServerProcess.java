package dev.immunity.server.support;

import dev.immunity.server.ImmunityServer;
import dev.immunity.server.config.ServerConfig;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The real server in a child JVM, for limits a test cannot set on its own JVM (heap size, open files).
 * {@link #main} is the child: it starts the server from {@code key=value} arguments and prints its ports.
 */
public final class ServerProcess implements AutoCloseable {
    public final Process process;
    public final int port;
    public final int streamPort;

    private ServerProcess(Process process, int port, int streamPort) {
        this.process = process;
        this.port = port;
        this.streamPort = streamPort;
    }

    /** The child's entry point: {@code key=value} configuration overrides. */
    public static void main(String[] args) throws InterruptedException {
        Map<String, String> overrides = new HashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            overrides.put(a.substring(0, eq), a.substring(eq + 1));
        }
        ImmunityServer server = ImmunityServer.start(ServerConfig.load(overrides, Map.of()));
        System.out.println("PORTS " + server.port() + " " + server.streamPort());
        System.out.flush();
        Thread.currentThread().join();
    }

    /**
     * Starts a child JVM running the server.
     *
     * @param shellPrefix run through {@code bash -c} after this (for example {@code ulimit -n 512;}), or null
     * @param jvmOptions  options such as {@code -Xmx256m}
     */
    public static ServerProcess start(String shellPrefix, List<String> jvmOptions, Map<String, String> config) {
        List<String> java = new ArrayList<>();
        java.add(ProcessHandle.current().info().command().orElse("java"));
        java.addAll(jvmOptions);
        java.add("-cp");
        java.add(System.getProperty("java.class.path"));
        java.add(ServerProcess.class.getName());
        config.forEach((k, v) -> java.add(k + "=" + v));
        List<String> command = java;
        if (shellPrefix != null) {
            command = new ArrayList<>(List.of("bash", "-c", shellPrefix + " exec \"$@\"", "server"));
            command.addAll(java);
        }
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            CompletableFuture<int[]> ports = new CompletableFuture<>();
            StringBuilder log = new StringBuilder();
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    String line;
                    while ((line = out.readLine()) != null) {
                        if (line.startsWith("PORTS ")) {
                            String[] parts = line.split(" ");
                            ports.complete(new int[] {Integer.parseInt(parts[1]), Integer.parseInt(parts[2])});
                        } else {
                            synchronized (log) {
                                log.append(line).append('\n');
                            }
                        }
                    }
                } catch (IOException e) {
                    // the child ended
                }
                ports.completeExceptionally(new IllegalStateException("the server process ended:\n" + log));
            });
            int[] p2 = ports.get(60, TimeUnit.SECONDS);
            return new ServerProcess(p, p2[0], p2[1]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("the server process did not start: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
