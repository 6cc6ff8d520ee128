package org.cairndb.xa;

import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.XAConnection;
import javax.sql.XADataSource;
import javax.transaction.xa.XAResource;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.tools.LatencyHistogram;

/**
 * XA two-phase commits through Narayana, each global transaction writing one record (a 16-byte key,
 * a 100-byte value) into each of two resource managers of the same kind: two Cairn environments, two
 * H2 databases (JdbcDataSource as XADataSource), or two Derby databases (EmbeddedXADataSource).
 * Every configuration runs in a JVM of its own; Narayana logs to its default file object store.
 *
 * <pre>
 * ./mvnw -q -B -pl xa -am install -DskipTests
 * ./mvnw -q -B -pl xa test-compile exec:exec -Dexec.executable=java -Dexec.classpathScope=test \
 *     -Dexec.args="-cp %classpath org.cairndb.xa.XaBench --threads 1,16,64 --seconds 20"
 * </pre>
 *
 * Options: {@code --systems cairn,h2,derby} ({@code none}: resources that do nothing, the transaction
 * manager's own ceiling), {@code --threads 1,16,64}, {@code --seconds 20}
 * (measured), {@code --warmup 5}, {@code --repeat 1} (rounds; the table shows each configuration's
 * median), {@code --dir target/xa-bench}, and {@code --tm-log file|journal|memory}: Narayana's log in
 * its default file store, in its journal store (Artemis' journal, as WildFly's {@code use-journal-store}),
 * or in memory (not durable: a diagnostic that leaves only the resource managers' cost).
 */
public final class XaBench {

    private XaBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--one")) {
            runOne(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    Path.of(args[5]), args[6]);
            return;
        }
        List<String> systems = List.of("cairn", "h2", "derby");
        List<Integer> threads = List.of(1, 16, 64);
        int seconds = 20;
        int warmup = 5;
        Path dir = Path.of("target", "xa-bench");
        String tmLog = "file";
        int repeat = 1;
        for (int i = 0; i < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--systems" -> systems = List.of(v.split(","));
                case "--threads" -> threads = List.of(v.split(",")).stream().map(Integer::valueOf).toList();
                case "--seconds" -> seconds = Integer.parseInt(v);
                case "--warmup" -> warmup = Integer.parseInt(v);
                case "--dir" -> dir = Path.of(v);
                case "--tm-log" -> tmLog = v;
                case "--repeat" -> repeat = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (!List.of("file", "journal", "memory").contains(tmLog)) {
            throw new IllegalArgumentException("--tm-log must be file, journal or memory, not " + tmLog);
        }
        // Rounds over every configuration, systems side by side for each thread count, so that a busy
        // spell of the machine hits them alike; the table gives each configuration's median round.
        java.util.Map<String, List<double[]>> results = new java.util.LinkedHashMap<>();
        for (int round = 1; round <= repeat; round++) {
            for (int t : threads) {
                for (String system : systems) {
                    double[] r = runChild(system, t, seconds, warmup, dir, tmLog);
                    System.out.printf(Locale.ROOT, "round %d: %s at %d threads: %,.0f commits/s%n", round, system, t, r[0]);
                    results.computeIfAbsent(system + "|" + t, k -> new ArrayList<>()).add(r);
                }
            }
        }
        System.out.println();
        System.out.println("| system | threads | global commits/s (median) | range | p50 ms | p99 ms |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: |");
        for (var e : results.entrySet()) {
            List<double[]> rs = new ArrayList<>(e.getValue());
            rs.sort(java.util.Comparator.comparingDouble(r -> r[0]));
            double[] median = rs.get(rs.size() / 2);
            String[] key = e.getKey().split("\\|");
            System.out.printf(Locale.ROOT, "| %s | %s | %,.0f | %,.0f–%,.0f | %.2f | %.2f |%n", key[0], key[1], median[0],
                    rs.get(0)[0], rs.get(rs.size() - 1)[0], median[1], median[2]);
        }
    }

    /** Runs one configuration in a JVM of its own; returns commits/s, p50 ms, p99 ms. */
    private static double[] runChild(String system, int t, int seconds, int warmup, Path dir, String tmLog)
            throws Exception {
        Path runDir = dir.toAbsolutePath().resolve(system + "-" + t + "-" + System.nanoTime());
        Files.createDirectories(runDir);
        Path log = runDir.resolve("run.log");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g", "-cp",
                System.getProperty("java.class.path"), XaBench.class.getName(), "--one", system, String.valueOf(t),
                String.valueOf(seconds), String.valueOf(warmup), runDir.toString(), tmLog);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(seconds + warmup + 300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(system + " at " + t + " threads did not finish; see " + log);
        }
        String result = Files.readAllLines(log).stream().filter(l -> l.startsWith("RESULT ")).findFirst()
                .orElseThrow(() -> new IllegalStateException(system + " at " + t + " threads failed; see " + log));
        deleteTree(runDir.resolve("data"));
        deleteTree(runDir.resolve("tm-journal"));
        String[] f = result.split(" ");
        return new double[] {Double.parseDouble(f[1]), Double.parseDouble(f[2]), Double.parseDouble(f[3])};
    }

    /** One resource manager pair's connections for one thread. */
    interface Worker extends AutoCloseable {
        /** Enlists both resources in {@code tx} and writes one record into each. */
        void write(Transaction tx, byte[] key, byte[] value) throws Exception;
    }

    interface Rm extends AutoCloseable {
        Worker worker() throws Exception;

        /** Records stored, for the check after the run. */
        long count() throws Exception;
    }

    private static void runOne(String system, int threads, int seconds, int warmup, Path dir, String tmLog)
            throws Exception {
        System.setProperty("derby.stream.error.file", dir.resolve("derby.log").toString());
        NarayanaSupport.configure(dir.resolve("tm-object-store"));
        var storeBean = com.arjuna.common.internal.util.propertyservice.BeanPopulator
                .getDefaultInstance(com.arjuna.ats.arjuna.common.ObjectStoreEnvironmentBean.class);
        switch (tmLog) {
            case "file" -> {
                // Narayana's default: ShadowNoFileLockStore, one file written and forced per transaction.
            }
            case "memory" -> storeBean.setObjectStoreType(com.arjuna.ats.internal.arjuna.objectstore.VolatileStore.class.getName());
            case "journal" -> {
                // What WildFly's use-journal-store selects: Artemis' journal, whose timed buffer groups
                // the forces of concurrent transactions. Its other settings are left at Narayana's defaults.
                storeBean.setObjectStoreType(
                        com.arjuna.ats.internal.arjuna.objectstore.hornetq.HornetqObjectStoreAdaptor.class.getName());
                com.arjuna.common.internal.util.propertyservice.BeanPopulator
                        .getDefaultInstance(com.arjuna.ats.internal.arjuna.objectstore.hornetq.HornetqJournalEnvironmentBean.class)
                        .setStoreDir(dir.resolve("tm-journal").toString());
            }
            default -> throw new IllegalArgumentException("--tm-log must be file, journal or memory, not " + tmLog);
        }
        TransactionManager tm = com.arjuna.ats.jta.TransactionManager.transactionManager();
        Path data = dir.resolve("data");
        try (Rm a = open(system, data.resolve("a")); Rm b = open(system, data.resolve("b"))) {
            List<Worker> workers = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                Worker wa = a.worker();
                Worker wb = b.worker();
                workers.add(new Worker() {
                    @Override
                    public void write(Transaction tx, byte[] key, byte[] value) throws Exception {
                        wa.write(tx, key, value);
                        wb.write(tx, key, value);
                    }

                    @Override
                    public void close() throws Exception {
                        wa.close();
                        wb.close();
                    }
                });
            }
            AtomicBoolean measuring = new AtomicBoolean();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong commits = new AtomicLong();
            AtomicLong failures = new AtomicLong();
            List<LatencyHistogram> histograms = new ArrayList<>();
            List<Thread> running = new ArrayList<>();
            CountDownLatch done = new CountDownLatch(threads);
            for (int i = 0; i < threads; i++) {
                int id = i;
                LatencyHistogram h = new LatencyHistogram();
                histograms.add(h);
                Thread th = new Thread(() -> {
                    byte[] value = new byte[100];
                    long seq = 0;
                    try {
                        while (!stop.get()) {
                            byte[] key = String.format(Locale.ROOT, "t%03d-%011d", id, seq++).getBytes();
                            long t0 = System.nanoTime();
                            tm.begin();
                            try {
                                workers.get(id).write(tm.getTransaction(), key, value);
                                tm.commit();
                            } catch (Exception e) {
                                failures.incrementAndGet();
                                if (tm.getStatus() != jakarta.transaction.Status.STATUS_NO_TRANSACTION) {
                                    tm.rollback();
                                }
                                continue;
                            }
                            if (measuring.get()) {
                                h.record(System.nanoTime() - t0);
                                commits.incrementAndGet();
                            }
                        }
                    } catch (Exception e) {
                        e.printStackTrace();
                    } finally {
                        done.countDown();
                    }
                }, "bench-" + i);
                running.add(th);
                th.start();
            }
            Thread.sleep(warmup * 1000L);
            measuring.set(true);
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            measuring.set(false);
            double elapsed = (System.nanoTime() - t0) / 1e9;
            long measured = commits.get();
            stop.set(true);
            done.await();
            LatencyHistogram all = new LatencyHistogram();
            histograms.forEach(all::add);
            for (Worker w : workers) {
                w.close();
            }
            long stored = Math.min(a.count(), b.count());
            System.out.printf(Locale.ROOT, "RESULT %.1f %.3f %.3f%n", measured / elapsed, all.quantile(0.5) / 1e6,
                    all.quantile(0.99) / 1e6);
            System.out.println("failed transactions: " + failures.get() + "; records in each resource: " + stored);
        }
        System.exit(0);
    }

    private static Rm open(String system, Path dir) throws Exception {
        Files.createDirectories(dir);
        return switch (system) {
            case "cairn" -> new CairnRm(dir);
            case "h2" -> {
                org.h2.jdbcx.JdbcDataSource ds = new org.h2.jdbcx.JdbcDataSource();
                // WRITE_DELAY=0: every commit is written to the file at once (H2 does not force it to the disk).
                ds.setURL("jdbc:h2:file:" + dir.resolve("db") + ";WRITE_DELAY=0");
                yield new JdbcRm(ds, "CREATE TABLE IF NOT EXISTS kv (k VARBINARY(16) PRIMARY KEY, v VARBINARY(100))");
            }
            case "derby" -> {
                org.apache.derby.jdbc.EmbeddedXADataSource ds = new org.apache.derby.jdbc.EmbeddedXADataSource();
                ds.setDatabaseName(dir.resolve("db").toString());
                ds.setCreateDatabase("create");
                yield new JdbcRm(ds, "CREATE TABLE kv (k VARCHAR(16) FOR BIT DATA PRIMARY KEY, v VARCHAR(100) FOR BIT DATA)");
            }
            case "none" -> new NoRm();
            default -> throw new IllegalArgumentException("unknown system " + system + " (cairn, h2, derby, none)");
        };
    }

    /** A Cairn environment; each worker has its own XA resource (a connection). Durability SYNC (the default). */
    private static final class CairnRm implements Rm {
        private final Environment env;
        private final Database db;

        CairnRm(Path home) {
            env = Environment.open(home, new EnvironmentConfig());
            db = env.openDatabase("kv");
        }

        @Override
        public Worker worker() {
            CairnXAResource xa = new CairnXAResource(env);
            return new Worker() {
                @Override
                public void write(Transaction tx, byte[] key, byte[] value) throws Exception {
                    tx.enlistResource(xa);
                    xa.run(t -> db.put(t, key, value));
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public long count() {
            return db.count();
        }

        @Override
        public void close() {
            env.close();
        }
    }

    /**
     * No resource manager at all: XA resources that store nothing and answer every call at once
     * (prepare votes XA_OK, so that each transaction is still a full two-phase commit). What is left
     * is the transaction manager's own cost, the ceiling over any resource manager's rate.
     */
    private static final class NoRm implements Rm {
        private final AtomicLong committed = new AtomicLong();

        @Override
        public Worker worker() {
            XAResource xa = new XAResource() {
                @Override
                public void start(javax.transaction.xa.Xid xid, int flags) {
                }

                @Override
                public void end(javax.transaction.xa.Xid xid, int flags) {
                }

                @Override
                public int prepare(javax.transaction.xa.Xid xid) {
                    return XA_OK;
                }

                @Override
                public void commit(javax.transaction.xa.Xid xid, boolean onePhase) {
                    committed.incrementAndGet();
                }

                @Override
                public void rollback(javax.transaction.xa.Xid xid) {
                }

                @Override
                public void forget(javax.transaction.xa.Xid xid) {
                }

                @Override
                public javax.transaction.xa.Xid[] recover(int flag) {
                    return new javax.transaction.xa.Xid[0];
                }

                @Override
                public boolean isSameRM(XAResource other) {
                    return other == this;
                }

                @Override
                public int getTransactionTimeout() {
                    return 0;
                }

                @Override
                public boolean setTransactionTimeout(int seconds) {
                    return false;
                }
            };
            return new Worker() {
                @Override
                public void write(Transaction tx, byte[] key, byte[] value) throws Exception {
                    tx.enlistResource(xa);
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public long count() {
            return committed.get();
        }

        @Override
        public void close() {
        }
    }

    /** An XA data source; each worker has its own XA connection. */
    private static final class JdbcRm implements Rm {
        private final XADataSource ds;

        JdbcRm(XADataSource ds, String ddl) throws Exception {
            this.ds = ds;
            XAConnection xc = ds.getXAConnection();
            try (Connection c = xc.getConnection(); Statement s = c.createStatement()) {
                s.execute(ddl);
            } finally {
                xc.close();
            }
        }

        @Override
        public Worker worker() throws Exception {
            XAConnection xc = ds.getXAConnection();
            Connection c = xc.getConnection();
            PreparedStatement insert = c.prepareStatement("INSERT INTO kv (k, v) VALUES (?, ?)");
            XAResource xa = xc.getXAResource();
            return new Worker() {
                @Override
                public void write(Transaction tx, byte[] key, byte[] value) throws Exception {
                    tx.enlistResource(xa);
                    insert.setBytes(1, key);
                    insert.setBytes(2, value);
                    insert.executeUpdate();
                }

                @Override
                public void close() throws Exception {
                    insert.close();
                    c.close();
                    xc.close();
                }
            };
        }

        @Override
        public long count() throws Exception {
            XAConnection xc = ds.getXAConnection();
            try (Connection c = xc.getConnection(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM kv")) {
                rs.next();
                return rs.getLong(1);
            } finally {
                xc.close();
            }
        }

        @Override
        public void close() {
        }
    }

    private static void deleteTree(Path p) throws java.io.IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var s = Files.walk(p)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }
}
