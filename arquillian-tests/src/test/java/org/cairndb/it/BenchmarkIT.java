package org.cairndb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.cairndb.it.app.BenchBean;
import org.cairndb.it.app.BenchServlet;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.ResourceAdapterArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * In the suite's WildFly, in the same run: an enterprise bean doing one-record updates, one JTA
 * transaction each, through Cairn and through WildFly's H2 (XA datasource, file database), from 1
 * and 16 concurrent clients. Writes target/benchmarks-rar.md. Only asserts that both ran: the figures
 * are reported, not enforced (the machine is shared).
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class BenchmarkIT {

    private static final String BASE = Support.SUITE_HTTP + "/bench";
    private static final double WARMUP = Double.parseDouble(System.getProperty("benchmark.warmup", "2"));
    private static final double SECONDS = Double.parseDouble(System.getProperty("benchmark.seconds", "5"));

    @Deployment(name = "rar", order = 1, testable = false)
    static ResourceAdapterArchive rar() {
        return Deployments.rar();
    }

    @Deployment(name = "war", order = 2, testable = false)
    static WebArchive war() {
        Path h2 = Path.of(System.getProperty("suite.data"), "bench-h2", "bench");
        return Deployments.withH2(Deployments.war("bench", BenchBean.class, BenchServlet.class), "CairnBenchXA",
                "jdbc:h2:file:" + h2 + ";DB_CLOSE_DELAY=-1");
    }

    private static double run(String target, int threads) throws Exception {
        String r = Support.get(BASE, "/bench", Map.of("target", target, "threads", String.valueOf(threads),
                "warmup", String.valueOf(WARMUP), "seconds", String.valueOf(SECONDS)));
        return Double.parseDouble(r.trim());
    }

    @Test
    void cairnAgainstH2InOneServer() throws Exception {
        assertEquals("ok", Support.get(BASE, "/bench", Map.of("op", "setup")));
        // Warm both paths up first (the JIT, the pools, the caches), then alternate the order of the
        // measured runs so that neither side always runs second.
        for (String target : new String[] {"cairn", "h2", "none"}) {
            run(target, 16);
            run(target, 1);
        }
        Map<String, Double> tps = new LinkedHashMap<>();
        tps.put("cairn/1", run("cairn", 1));
        tps.put("h2/1", run("h2", 1));
        tps.put("h2/16", run("h2", 16));
        tps.put("cairn/16", run("cairn", 16));
        tps.put("none/1", run("none", 1));
        tps.put("none/16", run("none", 16));
        tps.values().forEach(v -> assertTrue(v > 0, "every run committed transactions: " + tps));

        StringBuilder md = new StringBuilder();
        md.append("## Resource adapter in WildFly: Cairn against H2 (preliminary)\n\n")
                .append("An enterprise bean (`@Stateless`, container-managed, `REQUIRED`) updates one record per JTA\n")
                .append("transaction: through `cairn.rar` (`put` of a 100-byte value, environment durability ")
                .append(System.getProperty("cairn.it.durability", "SYNC")).append(") or\n")
                .append("through WildFly's bundled H2 ").append("as an XA datasource (`UPDATE bench SET v = ? WHERE id = ?`,\n")
                .append("file database, H2's default durability). 1,000 records; each client updates random records of\n")
                .append("its own slice, so no client waits for another's locks. One resource per transaction, so\n")
                .append("Narayana commits it in one phase in both cases. Clients are threads of the server's managed\n")
                .append("executor calling the bean; ").append(fmt(WARMUP)).append(" s warm-up, ").append(fmt(SECONDS))
                .append(" s measured, after a warm-up round of both; same server, same run (`BenchmarkIT`, `").append(Instant.now()).append("`).\n\n")
                .append("The last columns: the same bean method with no resource at all (the EJB call and Narayana's\n")
                .append("begin and commit of an empty transaction), the ceiling over any resource's rate.\n\n")
                .append("| clients | Cairn tx/s | H2 tx/s | Cairn / H2 | no resource tx/s | no resource / H2 |\n")
                .append("| ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (int threads : new int[] {1, 16}) {
            double c = tps.get("cairn/" + threads);
            double h = tps.get("h2/" + threads);
            double n = tps.get("none/" + threads);
            md.append(String.format(Locale.ROOT, "| %d | %,.0f | %,.0f | %.2f× | %,.0f | %.2f× |%n", threads, c, h, c / h,
                    n, n / h));
        }
        md.append("\nPreliminary: the machine (2 cores) is shared with other builds; Java ")
                .append(System.getProperty("java.version")).append(", WildFly 39.0.1.Final.\n");
        Path report = Path.of(System.getProperty("benchmark.report"));
        Files.writeString(report, md.toString());
        System.out.println(md);
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }
}
