package dev.immunity.cli;

import dev.immunity.server.ImmunityServer;
import dev.immunity.server.config.ServerSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The distribution archive, unpacked in an empty directory, runs on a machine whose default {@code java} is older
 * than 21 with a JDK 21+ in {@code JAVA_HOME}. Runs after {@code package} (the dist profile builds the archive).
 */
class DistributionIT {

    private static Path archive() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            return files.filter(p -> p.getFileName().toString().matches("immunity-.+\\.tar\\.gz")).findFirst()
                    .orElseThrow(() -> new AssertionError("no target/immunity-*.tar.gz: build it with ./immunity dist"));
        }
    }

    private static Process launch(Path home, Path cache, String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(Stream.concat(Stream.of(home.resolve("bin/immunity").toString()), Stream.of(args)).toList());
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", "/usr/bin:/bin"); // this machine's default java there is older than 21
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("HOME", cache.toString());
        return pb.redirectErrorStream(true).start();
    }

    @Test
    void unpackedAnywhere_itRunsWithTheJdkInJavaHome_andWatchesARunningServer(@TempDir Path dir) throws Exception {
        Process tar = new ProcessBuilder("tar", "xzf", archive().toAbsolutePath().toString(), "-C", dir.toString())
                .inheritIO().start();
        assertThat(tar.waitFor()).isZero();
        Path home;
        try (Stream<Path> top = Files.list(dir)) {
            home = top.findFirst().orElseThrow();
        }
        assertThat(home.resolve("bin/immunity")).isExecutable();
        assertThat(home.resolve("bin/immunity.cmd")).exists();
        assertThat(home.resolve("LICENSE")).exists();
        assertThat(home.resolve("lib/immunity-cli.jar")).exists();

        Process version = launch(home, dir, "--version");
        assertThat(version.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).startsWith("immunity ");
        assertThat(version.exitValue()).isZero();

        try (ImmunityServer server = ImmunityServer.start(ServerSettings.forTests())) {
            Process watch = launch(home, dir, "watch", "-o", "ndjson", "--count", "1",
                    "--server", "http://127.0.0.1:" + server.port());
            // It exits after one new event: publish until it has seen one (it connects in its own time).
            int n = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!watch.waitFor(200, TimeUnit.MILLISECONDS)) {
                assertThat(System.nanoTime()).as("watch exits after one new event").isLessThan(deadline);
                server.stream().publish(TestApvs.apv(String.format("CVE-2026-%05d", 90000 + n++), "high", "dist"));
            }
            String out = new String(watch.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(watch.exitValue()).as(out).isZero();
            List<String> apvs = out.lines().filter(l -> l.contains("\"type\":\"apv\"") && !l.contains("\"snapshot\":true")).toList();
            assertThat(apvs).hasSize(1);
        }
        assertThat(Files.list(dir.resolve(".cache/immunity")).map(p -> p.getFileName().toString()))
                .as("the JDK and the class-data archive are remembered").contains("java");
    }
}
