package org.cairndb.examples.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.importer.ZipImporter;
import org.jboss.shrinkwrap.api.spec.ResourceAdapterArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The example end to end in a managed WildFly with standalone-full.xml: cairn.rar and ledger.war
 * exactly as the build made them, driven over HTTP like a user would. Transfers commit in both
 * resources (Cairn's balances and history, the JMS audit message recorded by the message-driven
 * bean); an injected failure after both writes rolls both back; the audit trail ends up holding
 * exactly the committed transfers.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LedgerIT {

    private static final String API = "http://127.0.0.1:8480/ledger/api/"; // port offset 400 (arquillian.xml)
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private static final Pattern ID = Pattern.compile("\"id\":\"([^\"]+)\"");

    /** Transfer ids the ledger acknowledged, across the tests (they share one server and one ledger). */
    private static final List<String> COMMITTED = new ArrayList<>();

    @Deployment(name = "cairn", order = 1, testable = false)
    static ResourceAdapterArchive rar() {
        return ShrinkWrap.create(ZipImporter.class, "cairn.rar").importFrom(new File(System.getProperty("cairn.rar")))
                .as(ResourceAdapterArchive.class);
    }

    @Deployment(name = "ledger", order = 2, testable = false)
    static WebArchive ledger() {
        return ShrinkWrap.create(ZipImporter.class, "ledger.war").importFrom(new File(System.getProperty("ledger.war")))
                .as(WebArchive.class);
    }

    @Test
    @Order(1)
    void transfersCommitInBothResourcesAndAnInjectedFailureRollsBackBoth() throws Exception {
        assertEquals(201, post("accounts", "{\"id\":\"alice\",\"balance\":1000}", "").statusCode());
        assertEquals(201, post("accounts", "{\"id\":\"bob\",\"balance\":1000}", "").statusCode());
        assertEquals(201, post("accounts", "{\"id\":\"carol\",\"balance\":500}", "").statusCode());
        HttpResponse<String> again = post("accounts", "{\"id\":\"alice\",\"balance\":5}", "");
        assertEquals(409, again.statusCode(), again.body());
        assertTrue(again.body().contains("account alice already exists"), again.body());

        Map<String, Long> expected = new LinkedHashMap<>(Map.of("alice", 1000L, "bob", 1000L, "carol", 500L));
        String[][] moves = {{"alice", "bob", "100"}, {"bob", "carol", "250"}, {"carol", "alice", "75"},
            {"alice", "carol", "300"}, {"bob", "alice", "5"}, {"carol", "bob", "1"}};
        List<String> aliceHistory = new ArrayList<>();
        for (String[] m : moves) {
            String id = transfer(m[0], m[1], Long.parseLong(m[2]));
            expected.merge(m[0], -Long.parseLong(m[2]), Long::sum);
            expected.merge(m[1], Long.parseLong(m[2]), Long::sum);
            if (m[0].equals("alice") || m[1].equals("alice")) {
                aliceHistory.add(id);
            }
        }

        // The injected failure comes after the balances, the history and the audit message were all
        // written in the transaction: every one of them must be gone.
        HttpResponse<String> failed = post("transfers", "{\"from\":\"alice\",\"to\":\"bob\",\"amount\":40}", "?fail=true");
        assertEquals(500, failed.statusCode(), failed.body());
        assertTrue(failed.body().contains("failure injected"), failed.body());
        Matcher failedId = Pattern.compile("transfer (\\S+):").matcher(failed.body());
        assertTrue(failedId.find(), failed.body());

        HttpResponse<String> poor = post("transfers", "{\"from\":\"carol\",\"to\":\"bob\",\"amount\":100000}", "");
        assertEquals(409, poor.statusCode(), poor.body());
        assertTrue(poor.body().contains("insufficient funds: carol has"), poor.body());
        HttpResponse<String> nobody = post("transfers", "{\"from\":\"alice\",\"to\":\"zed\",\"amount\":1}", "");
        assertEquals(404, nobody.statusCode(), nobody.body());
        assertTrue(nobody.body().contains("no account zed"), nobody.body());

        // One more commit after the failure: with one consumer the queue is delivered in order, so once
        // the audit trail holds this one, a message of the failed transfer would have arrived before it.
        aliceHistory.add(transfer("bob", "alice", 1));
        expected.merge("bob", -1L, Long::sum);
        expected.merge("alice", 1L, Long::sum);

        for (Map.Entry<String, Long> e : expected.entrySet()) {
            assertEquals(e.getValue(), balance(e.getKey()), "balance of " + e.getKey());
        }
        assertEquals(aliceHistory, ids(get("accounts/alice/history")), "alice's history, oldest first");
        assertTrue(!get("accounts/alice/history").contains(failedId.group(1)), "the failed transfer is in no history");
        awaitAuditOfEveryCommittedTransfer();
    }

    @Test
    @Order(2)
    void concurrentTransfersKeepTheTotalAndAreEachAuditedOnce() throws Exception {
        long total = balance("alice") + balance("bob") + balance("carol");
        String[] accounts = {"alice", "bob", "carol"};
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                String from = accounts[i % 3];
                String to = accounts[(i + 1 + i / 3 % 2) % 3];
                results.add(pool.submit(() -> transfer(from, to, 1)));
            }
            for (Future<String> f : results) {
                f.get(); // every one commits: conflicts are retried by the REST layer
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(total, balance("alice") + balance("bob") + balance("carol"), "money is neither made nor lost");
        awaitAuditOfEveryCommittedTransfer();
    }

    /** Waits until the audit trail holds as many transfers as were committed, then compares the ids. */
    private static void awaitAuditOfEveryCommittedTransfer() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String audit = get("audit?limit=100000");
        while (!audit.contains("\"count\":" + COMMITTED.size() + ",")) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the audit trail did not reach " + COMMITTED.size() + " transfers in 60 s: " + audit);
            }
            Thread.sleep(200);
            audit = get("audit?limit=100000");
        }
        List<String> recorded = Pattern.compile("\"([0-9]{13}-[0-9a-f]{8})\"").matcher(audit).results()
                .map(r -> r.group(1)).sorted().collect(Collectors.toList());
        assertEquals(COMMITTED.stream().sorted().toList(), recorded, "the audit trail holds exactly the committed transfers");
    }

    private static String transfer(String from, String to, long amount) throws IOException, InterruptedException {
        HttpResponse<String> r = post("transfers", "{\"from\":\"" + from + "\",\"to\":\"" + to + "\",\"amount\":" + amount + "}", "");
        if (r.statusCode() != 201) {
            throw new AssertionError("transfer " + from + " -> " + to + ": HTTP " + r.statusCode() + " " + r.body());
        }
        Matcher m = ID.matcher(r.body());
        assertTrue(m.find(), r.body());
        synchronized (COMMITTED) {
            COMMITTED.add(m.group(1));
        }
        return m.group(1);
    }

    private static long balance(String account) throws IOException, InterruptedException {
        Matcher m = Pattern.compile("\"balance\":(-?\\d+)").matcher(get("accounts/" + account));
        assertTrue(m.find());
        return Long.parseLong(m.group(1));
    }

    private static List<String> ids(String json) {
        return ID.matcher(json).results().map(r -> r.group(1)).toList();
    }

    private static HttpResponse<String> post(String path, String json, String query) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(API + path + query)).timeout(Duration.ofMinutes(1))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build();
        return HTTP.send(req, HttpResponse.BodyHandlers.ofString());
    }

    private static String get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(API + path)).timeout(Duration.ofMinutes(1)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("GET " + path + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }
}
