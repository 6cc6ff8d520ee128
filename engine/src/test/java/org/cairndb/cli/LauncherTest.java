package org.cairndb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/cairn, run by bash in a copy of the repository layout whose {@code java} and {@code mvnw} are
 * stand-ins that record how they were called: no JDK start-up and no Maven build in a unit test.
 */
class LauncherTest {

    @TempDir
    Path dir;

    private Path root;
    private Path log;

    private static Path repositoryLauncher() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("bin/cairn")) && Files.isRegularFile(p.resolve("mvnw"))) {
                return p.resolve("bin/cairn");
            }
        }
        return null;
    }

    private static void script(Path file, String body) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, "#!/usr/bin/env bash\n" + body);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @BeforeEach
    void fakeRepository() throws IOException {
        Path launcher = repositoryLauncher();
        assumeTrue(launcher != null && Files.isExecutable(Path.of("/bin/bash")), "needs bash and the repository layout");
        root = dir.resolve("repo");
        log = dir.resolve("calls.log");
        Files.createDirectories(root.resolve("bin"));
        Files.copy(launcher, root.resolve("bin/cairn"));
        Files.createDirectories(root.resolve("engine/src/main/java"));
        Files.writeString(root.resolve("engine/pom.xml"), "<project/>");
        Files.writeString(root.resolve("pom.xml"), "<project/>");
        script(root.resolve("mvnw"), "echo \"mvnw $*\" >> '" + log + "'\n"
                + "mkdir -p engine/target && touch engine/target/cairn-engine-1.0-cli.jar\n");
        script(dir.resolve("jdk/bin/java"), "printf 'java' >> '" + log + "'\nprintf ' [%s]' \"$@\" >> '" + log + "'\n"
                + "echo >> '" + log + "'\n");
    }

    /**
     * The transparent huge pages option the launcher puts first where the kernel gives them on
     * request (madvise), before CAIRN_JAVA_OPTS so that those can turn it off; none elsewhere.
     */
    private static String hugePages() throws IOException {
        Path setting = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        return Files.isReadable(setting) && Files.readString(setting).contains("[madvise]")
                ? "[-XX:+UseTransparentHugePages] " : "";
    }

    private List<String> launch(Path cwd, Path launcher, String... args) throws IOException, InterruptedException {
        return launch(cwd, launcher.toString(), Map.of(), args);
    }

    private List<String> launch(Path cwd, String launcher, Map<String, String> extraEnv, String... args)
            throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("/bin/bash", launcher));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.putAll(extraEnv);
        env.put("JAVA_HOME", dir.resolve("jdk").toString());
        env.put("CAIRN_JAVA_OPTS", "-Xmx64m -Dx=1");
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "launcher hung");
        assertEquals(0, p.exitValue(), output);
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    @Test
    void buildsTheJarWhenMissingThenRunsItFromAnyDirectory() throws Exception {
        Path elsewhere = Files.createDirectories(dir.resolve("somewhere/else"));
        List<String> calls = launch(elsewhere, root.resolve("bin/cairn"), "stat", "-h", "my env");
        assertEquals("mvnw -q -B -pl engine -am package -DskipTests", calls.get(0));
        assertEquals("java " + hugePages() + "[-Xmx64m] [-Dx=1] [-Dcairn.bench.home=" + root.toRealPath()
                + "/target/bench-env] [-jar] [" + root.toRealPath() + "/engine/target/cairn-engine-1.0-cli.jar] [stat] [-h]"
                + " [my env]", calls.get(1));
    }

    /** With CDPATH set, cd prints the directory it found: the launcher must not take that for its root. */
    @Test
    void aRelativeLauncherPathWorksWithCdpathSet() throws Exception {
        List<String> calls = launch(root, "bin/cairn", Map.of("CDPATH", "."), "--version");
        assertEquals("java " + hugePages() + "[-Xmx64m] [-Dx=1] [-Dcairn.bench.home=" + root.toRealPath()
                + "/target/bench-env] [-jar] [" + root.toRealPath() + "/engine/target/cairn-engine-1.0-cli.jar] [--version]",
                calls.get(calls.size() - 1));
    }

    /** A recovery runs with the quick compiler only (the replay is bound by memory); other commands do not. */
    @Test
    void recoverRunsWithTheQuickCompilerOnlyBeforeTheUsersOptions() throws Exception {
        List<String> calls = launch(root, root.resolve("bin/cairn"), "recover", "-c", "-h", "x");
        assertTrue(calls.get(calls.size() - 1).startsWith("java " + hugePages() + "[-XX:TieredStopAtLevel=1] [-Xmx64m] [-Dx=1] "),
                calls::toString);
        calls = launch(root, root.resolve("bin/cairn"), "stat", "-h", "recover");
        assertTrue(!calls.get(calls.size() - 1).contains("TieredStopAtLevel"), calls::toString);
    }

    @Test
    void anUpToDateJarIsNotRebuiltAndASymlinkWorks() throws Exception {
        Path jar = Files.createDirectories(root.resolve("engine/target")).resolve("cairn-engine-1.0-cli.jar");
        Files.createFile(jar);
        FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 3_600_000);
        for (Path p : List.of(root.resolve("engine/pom.xml"), root.resolve("pom.xml"), root.resolve("engine/src/main"),
                root.resolve("engine/src/main/java"))) {
            Files.setLastModifiedTime(p, old);
        }
        Path link = Files.createSymbolicLink(dir.resolve("cairn-link"), root.resolve("bin/cairn"));
        List<String> calls = launch(dir, link, "--version");
        assertEquals(1, calls.size(), calls::toString);
        assertTrue(calls.get(0).endsWith("[-jar] [" + root.toRealPath() + "/engine/target/cairn-engine-1.0-cli.jar]"
                + " [--version]"), calls::toString);
    }

    @Test
    void aSourceNewerThanTheJarTriggersARebuild() throws Exception {
        Path jar = Files.createDirectories(root.resolve("engine/target")).resolve("cairn-engine-1.0-cli.jar");
        Files.createFile(jar);
        Files.setLastModifiedTime(jar, FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
        Files.writeString(root.resolve("engine/src/main/java/Changed.java"), "class Changed {}");
        List<String> calls = launch(dir, root.resolve("bin/cairn"), "--version");
        assertTrue(calls.get(0).startsWith("mvnw "), calls::toString);
    }
}
