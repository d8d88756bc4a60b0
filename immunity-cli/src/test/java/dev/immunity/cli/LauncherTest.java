package dev.immunity.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code ./immunity} launcher's JDK discovery, run as a real process. */
class LauncherTest {
    private static final Path LAUNCHER = Path.of("..", "immunity").toAbsolutePath().normalize();

    private record Result(int exitCode, String stdout, String stderr) {
    }

    private static Result run(Map<String, String> env, String... args) throws IOException, InterruptedException {
        var command = new java.util.ArrayList<String>();
        command.add(LAUNCHER.toString());
        command.addAll(java.util.List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("JAVA_HOME");
        pb.environment().putAll(env);
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void withoutAnyJdk21_printsOneLineSayingWhatToInstall_andExits1(@TempDir Path empty) throws Exception {
        Result r = run(Map.of("PATH", empty.toString() + ":/bin", "IMMUNITY_JDK_DIRS", empty.toString()), "serve");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr().strip().lines()).hasSize(1);
        assertThat(r.stderr()).contains("no JDK 21+ found").contains("install");
        assertThat(r.stdout()).isEmpty();
    }

    @Test
    void withAnOlderJavaFirst_findsAJdk21OrNewer() throws Exception {
        // The JDK running this test is 21+; put it where the launcher searches, with a Java 17-like PATH.
        Path javaHome = Path.of(System.getProperty("java.home"));
        Result r = run(Map.of("PATH", "/usr/bin:/bin", "IMMUNITY_JDK_DIRS", javaHome.toString()), "java-home");
        assertThat(r.exitCode()).isZero();
        Path found = Path.of(r.stdout().strip());
        assertThat(Files.isExecutable(found.resolve("bin/java"))).isTrue();
        assertThat(found.toRealPath()).isEqualTo(javaHome.toRealPath());
    }

    @Test
    void aJavaHomeOlderThan21_isSkipped(@TempDir Path fake) throws Exception {
        Path bin = Files.createDirectories(fake.resolve("old-jdk/bin"));
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/bin/sh\necho '    java.specification.version = 17' >&2\n");
        java.toFile().setExecutable(true);
        Path javaHome = Path.of(System.getProperty("java.home"));
        Result r = run(Map.of("JAVA_HOME", fake.resolve("old-jdk").toString(), "PATH", "/usr/bin:/bin",
                "IMMUNITY_JDK_DIRS", javaHome.toString()), "java-home");
        assertThat(r.exitCode()).isZero();
        assertThat(Path.of(r.stdout().strip()).toRealPath()).isEqualTo(javaHome.toRealPath());
    }
}
