import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The README's main job (started by {@code ./mvnw -pl examples -am verify -Prun}, run as a Java source
 * file): WildFly with {@code standalone-full.xml}, cairn.rar and ledger.war, in the foreground until
 * Ctrl-C. It copies both archives into the server's deployment directory, starts the server with its
 * console in {@code target/wildfly-console.log}, waits until the ledger answers (or names what failed),
 * then prints the URLs an admin needs.
 *
 * <p>Arguments: WildFly's home, cairn.rar, ledger.war, the port offset (0: http 8080, management 9990).
 * The server keeps its state (Cairn's environment, the transaction log, the JMS journal) under its
 * {@code standalone/} directory, so a second run restarts the same ledger, with recovery.
 */
public class RunLedger {

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[0]).toAbsolutePath();
        Path rar = Path.of(args[1]);
        Path war = Path.of(args[2]);
        int offset = Integer.parseInt(args[3]);
        int http = 8080 + offset;
        int management = 9990 + offset;
        Path target = home.getParent();
        for (int port : new int[] {http, management}) {
            if (inUse(port)) {
                fail("port " + port + " is in use (another WildFly?). Stop it, or run with -Dledger.portOffset=100.");
            }
        }

        Path deployments = home.resolve("standalone/deployments");
        Files.copy(rar, deployments.resolve("cairn.rar"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(war, deployments.resolve("ledger.war"), StandardCopyOption.REPLACE_EXISTING);
        for (String name : new String[] {"cairn.rar", "ledger.war"}) {
            Files.deleteIfExists(deployments.resolve(name + ".failed")); // a stale marker from an earlier run
        }
        Path pidFile = target.resolve("wildfly.pid");
        Path console = target.resolve("wildfly-console.log");
        Files.deleteIfExists(pidFile);

        boolean windows = System.getProperty("os.name").startsWith("Windows");
        List<String> command = new ArrayList<>(List.of(home.resolve(windows ? "bin/standalone.bat" : "bin/standalone.sh").toString(),
                "-c", "standalone-full.xml",
                "-Djboss.socket.binding.port-offset=" + offset,
                // Hot failover and continuous archiving switched on, so that the admin walkthrough can use them.
                "-Dcairn.failover.directory=failover",
                "-Dcairn.archive.directory=archive"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(console.toFile());
        builder.environment().put("JBOSS_PIDFILE", pidFile.toString());
        builder.environment().put("LAUNCH_JBOSS_IN_BACKGROUND", "1");
        Process server = builder.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(server, pidFile)));

        System.out.println("Starting WildFly " + home.getFileName() + " with cairn.rar and ledger.war (console: " + console + ") ...");
        String ledger = "http://127.0.0.1:" + http + "/ledger/";
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!answers(ledger + "api/accounts")) {
            for (String name : new String[] {"cairn.rar", "ledger.war"}) {
                Path failed = deployments.resolve(name + ".failed");
                if (Files.exists(failed)) {
                    fail(name + " failed to deploy: " + Files.readString(failed) + "\n(server log: "
                            + home.resolve("standalone/log/server.log") + ")");
                }
            }
            if (!server.isAlive()) {
                fail("WildFly exited with status " + server.exitValue() + " during start-up; see " + console);
            }
            if (System.nanoTime() > deadline) {
                fail("the ledger did not answer at " + ledger + " within 5 minutes; see " + home.resolve("standalone/log/server.log"));
            }
            Thread.sleep(500);
        }

        String jmx = "service:jmx:remote+http://127.0.0.1:" + management;
        System.out.println("""

                ==================================================================================
                 Cairn ledger is running (WildFly pid %s)

                 Application:  %s          (REST under %sapi/, examples on that page)
                 JMX:          %s
                 MBean:        org.cairndb:type=Environment,name=default
                 jconsole:     %s/bin/jconsole.sh %s
                 Server log:   %s
                 Cairn home:   %s

                 Ctrl-C stops the server; running this command again restarts it with recovery.
                ==================================================================================
                """.formatted(Files.exists(pidFile) ? Files.readString(pidFile).trim() : "?", ledger, ledger, jmx, home, jmx,
                home.resolve("standalone/log/server.log"), home.resolve("standalone/data/cairn/default")));
        int status = server.waitFor();
        // status is standalone.sh's, not the server JVM's: the script exits 0 also when the JVM was killed
        System.out.println("WildFly has stopped" + (status != 0 ? " (standalone.sh exited with status " + status + ")" : "")
                + ". The same command starts it again; Cairn recovers on start (the report is in the server log).");
    }

    private static boolean inUse(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", port));
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static boolean answers(String url) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
            c.setConnectTimeout(2000);
            c.setReadTimeout(10000);
            try {
                return c.getResponseCode() == 200;
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * On Ctrl-C (or any exit): a graceful shutdown of the server, waited for. The signal goes to the
     * server's JVM itself (its pid file) as well as to standalone.sh, which would relay it, so that no
     * server is left behind whatever the shell does with signals.
     */
    private static void stop(Process script, Path pidFile) {
        List<ProcessHandle> processes = new ArrayList<>();
        try {
            if (Files.exists(pidFile)) {
                ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim())).ifPresent(processes::add);
            }
        } catch (IOException | NumberFormatException e) {
            // standalone.sh removed it in the meantime: the server has gone
        }
        processes.add(script.toHandle());
        processes.removeIf(p -> !p.isAlive());
        if (processes.isEmpty()) {
            return;
        }
        System.out.println("Stopping WildFly ...");
        processes.forEach(ProcessHandle::destroy);
        for (ProcessHandle p : processes) {
            try {
                p.onExit().get(90, TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        }
    }

    private static void fail(String message) {
        System.err.println("RunLedger: " + message);
        System.exit(1);
    }
}
