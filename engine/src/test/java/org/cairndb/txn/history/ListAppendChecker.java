package org.cairndb.txn.history;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.cairndb.IsolationLevel;
import org.cairndb.txn.history.History.Key;
import org.cairndb.txn.history.History.Kind;
import org.cairndb.txn.history.History.Op;
import org.cairndb.txn.history.History.Txn;

/**
 * Checks a list-append {@link History} against what docs/isolation.md promises for each
 * transaction's isolation level, in the manner of Adya's phenomena as Elle checks them. Each key's final list is
 * its version order; an observed list (minus the reader's own appends) names the version read.
 *
 * <p>Each transaction is checked at its own level (a run may mix them). At every level: no element
 * of an aborted or unfinished transaction is ever read (G1a, no dirty
 * reads), nor a transaction's earlier append to a key without its later one (G1b), nor an element
 * before its transaction began to commit; a transaction reads its own appends; every list read is a
 * prefix of the key's final list, every committed append is in it, right after the list its
 * transaction read (no lost update: the appends read with a lock or, under SNAPSHOT and
 * SERIALIZABLE, conflict-checked); a read sees every commit that returned before the read began
 * (its snapshot's start, its own start under READ_COMMITTED); and no cycle of write-write and
 * write-read dependencies (G0, G1c). Under READ_COMMITTED a cursor scan reads one committed state:
 * no cycle with one anti-dependency through a scan. Under SNAPSHOT and SERIALIZABLE a transaction's
 * reads repeat and come from one snapshot: no cycle with exactly one anti-dependency (G-single,
 * read skew), also through transactions that aborted later. In a run of SERIALIZABLE transactions
 * only, no cycle at all among committed ones (G2, write skew included).
 */
public final class ListAppendChecker {

    private enum Edge {
        WW, WR, RW
    }

    private record Arc(int to, Edge type, Key key) {
    }

    private record Writer(Txn txn, Key key) {
    }

    private final History history;
    private final List<String> problems = new ArrayList<>();
    private final Map<Long, Writer> writers = new HashMap<>();
    private final Map<Long, Integer> position = new HashMap<>();
    /** The last element each transaction appended to each key (G1b). */
    private final Map<Txn, Map<Key, Long>> lastAppend = new HashMap<>();
    private final List<Txn> nodes;
    private final Map<Integer, Integer> scanNode = new HashMap<>();
    private final List<List<Arc>> arcs = new ArrayList<>();
    private final Map<Txn, Integer> nodeOf = new HashMap<>();

    public ListAppendChecker(History history) {
        this.history = history;
        this.nodes = history.txns;
        for (int i = 0; i < nodes.size(); i++) {
            nodeOf.put(nodes.get(i), i);
            arcs.add(new ArrayList<>());
        }
    }

    /** Every violation found (empty if none), each naming the anomaly and the transactions. */
    public List<String> check() {
        indexWriters();
        checkFinalLists();
        for (Txn t : nodes) {
            checkReads(t);
            checkOutcome(t);
        }
        checkDeadlockVictims();
        if (problems.isEmpty()) {
            buildGraph();
            checkCycles();
        }
        return problems;
    }

    private void problem(String s) {
        if (problems.size() < 50) {
            problems.add(s);
        }
    }

    private void indexWriters() {
        for (Txn t : nodes) {
            for (Op op : t.ops) {
                if (op.kind() == Kind.APPEND) {
                    if (writers.put(op.element(), new Writer(t, op.key())) != null) {
                        problem("element " + op.element() + " appended twice (test error)");
                    }
                    lastAppend.computeIfAbsent(t, x -> new HashMap<>()).put(op.key(), op.element());
                }
            }
        }
    }

    private void checkFinalLists() {
        for (Map.Entry<Key, List<Long>> e : history.finalLists.entrySet()) {
            Key k = e.getKey();
            List<Long> list = e.getValue();
            for (int i = 0; i < list.size(); i++) {
                long el = list.get(i);
                Writer w = writers.get(el);
                if (w == null || !w.key().equals(k)) {
                    problem("final list of " + k + " holds element " + el + ", which no transaction appended to "
                            + k + (w == null ? "" : " (" + w.txn() + " appended it to " + w.key() + ")"));
                } else if (!w.txn().outcome.committed()) {
                    problem("G1a in the final state: " + k + " holds element " + el + " of " + w.txn());
                }
                if (position.put(el, i) != null) {
                    problem("final list of " + k + " holds element " + el + " twice: " + list);
                }
            }
        }
        for (Txn t : nodes) {
            if (!t.outcome.committed()) {
                continue;
            }
            for (Op op : t.ops) {
                if (op.kind() == Kind.APPEND && !position.containsKey(op.element())) {
                    problem("lost update: committed " + t + " appended " + op.element() + " to " + op.key()
                            + ", missing from its final list " + History.brief(history.finalLists.get(op.key())));
                }
            }
        }
    }

    /**
     * Failures the docs rule out: READ_COMMITTED writes never conflict with other commits (only with
     * a range a prepared SERIALIZABLE transaction scanned), read-only SERIALIZABLE transactions never fail.
     */
    private void checkOutcome(Txn t) {
        if (t.outcome == History.Outcome.WRITE_CONFLICT && t.isolation == IsolationLevel.READ_COMMITTED
                && !String.valueOf(t.failure).contains("lies in a range scanned by")) {
            problem("write conflict under READ_COMMITTED: " + t);
        }
        if (t.outcome == History.Outcome.WRITE_CONFLICT && t.isolation == IsolationLevel.SERIALIZABLE && !t.writes()) {
            problem("read-only SERIALIZABLE transaction failed: " + t);
        }
    }

    /**
     * Exactly one transaction of a deadlock is its victim: two DeadlockExceptions naming the same
     * cycle (the same transactions) mean two of its members were rolled back for it.
     */
    private void checkDeadlockVictims() {
        Map<Set<Long>, Txn> victims = new HashMap<>();
        java.util.regex.Pattern id = java.util.regex.Pattern.compile("transaction (\\d+)");
        for (Txn t : nodes) {
            if (t.outcome != History.Outcome.DEADLOCK || t.failure == null || !t.failure.startsWith("deadlock: ")) {
                continue;
            }
            String cycle = t.failure.substring(0, t.failure.indexOf(';') < 0 ? t.failure.length() : t.failure.indexOf(';'));
            Set<Long> members = new HashSet<>();
            java.util.regex.Matcher m = id.matcher(cycle);
            while (m.find()) {
                members.add(Long.parseLong(m.group(1)));
            }
            Txn other = victims.putIfAbsent(members, t);
            if (other != null) {
                problem("two victims of one deadlock " + members + ": " + other + " and " + t);
            }
        }
    }

    /** The version a read saw: its list without the reader's own appends, which must end it. Null if broken. */
    private List<Long> remainder(Txn t, Op op, List<Long> own) {
        List<Long> o = op.observed();
        int n = o.size() - own.size();
        if (n < 0 || !o.subList(n, o.size()).equals(own)) {
            problem("read-your-writes: " + t + " appended " + own + " to " + op.key() + " before [" + op + "]");
            return null;
        }
        List<Long> r = o.subList(0, n);
        for (long el : r) {
            Writer w = writers.get(el);
            if (w != null && w.txn() == t) {
                problem("read-your-writes: " + t + " read its own element " + el + " out of place in [" + op + "]");
                return null;
            }
        }
        return r;
    }

    /** Whether this read is one of the transaction's snapshot reads (a SNAPSHOT locking read is not). */
    private static boolean snapshotRead(Txn t, Op op) {
        return t.isolation == IsolationLevel.SERIALIZABLE || (t.isolation == IsolationLevel.SNAPSHOT && !op.locking());
    }

    private void checkReads(Txn t) {
        Map<Key, List<Long>> own = new HashMap<>();
        Map<Key, List<Long>> firstRead = new HashMap<>();
        // Under SNAPSHOT a key read with getForUpdate may be newer than the snapshot, and so may the
        // transaction's own write of it, which its later plain reads return.
        Set<Key> lockedKeys = new HashSet<>();
        for (Op op : t.ops) {
            if (op.locking() && t.isolation == IsolationLevel.SNAPSHOT) {
                lockedKeys.add(op.key());
            }
            List<Long> mine = own.getOrDefault(op.key(), List.of());
            List<Long> r = remainder(t, op, mine);
            if (r == null) {
                continue;
            }
            boolean fromSnapshot = snapshotRead(t, op) && !lockedKeys.contains(op.key());
            boolean ok = checkVersion(t, op, r, fromSnapshot);
            if (ok && fromSnapshot) {
                List<Long> before = firstRead.putIfAbsent(op.key(), r);
                if (before != null && !before.equals(r)) {
                    problem("non-repeatable read (" + (op.kind() == Kind.SCAN ? "phantom or " : "") + "read skew) in " + t
                            + ": " + op.key() + " read as " + before + ", then as " + r);
                }
            }
            if (op.kind() == Kind.APPEND) {
                if (ok && t.outcome.committed()) {
                    Integer p = position.get(op.element());
                    if (p != null && p != op.observed().size()) {
                        problem("lost update: committed " + t + " read " + op.key() + " as " + op.observed() + " and appended "
                                + op.element() + ", which lies at position " + p + " of the final list "
                                + History.brief(history.finalLists.get(op.key())));
                    }
                }
                List<Long> next = new ArrayList<>(mine);
                next.add(op.element());
                own.put(op.key(), next);
            }
        }
    }

    /** Checks the version a read saw; whether it is a version of the key's order (edges can be drawn). */
    private boolean checkVersion(Txn t, Op op, List<Long> r, boolean fromSnapshot) {
        List<Long> fin = history.finalLists.getOrDefault(op.key(), List.of());
        for (long el : r) {
            Writer w = writers.get(el);
            if (w == null || !w.key().equals(op.key())) {
                problem("garbage read in " + t + ": [" + op + "] holds " + el + ", never appended to " + op.key());
                return false;
            }
            if (!w.txn().outcome.committed()) {
                problem("G1a (aborted or uncommitted read): " + t + " read element " + el + " of " + w.txn() + " in [" + op + "]");
                return false;
            }
            if (w.txn().commitStart > op.end()) {
                problem("dirty read: " + t + " read element " + el + " in [" + op + "] before " + w.txn()
                        + " began to commit");
                return false;
            }
            // A snapshot is taken during the transaction's first operation: nothing committed after it.
            if (fromSnapshot && w.txn().commitStart > t.ops.get(0).end()) {
                problem("late snapshot: " + t + " read element " + el + " in [" + op + "], of " + w.txn()
                        + ", which began to commit after the transaction's first operation ended");
                return false;
            }
        }
        if (r.size() > fin.size() || !fin.subList(0, r.size()).equals(r)) {
            problem("diverging version: " + t + " read " + op.key() + " as " + r + " in [" + op
                    + "], not a prefix of its final list " + History.brief(fin));
            return false;
        }
        if (!r.isEmpty()) {
            long el = r.get(r.size() - 1);
            Txn w = writers.get(el).txn();
            if (lastAppend.get(w).get(op.key()) != el) {
                problem("G1b (intermediate read): " + t + " read " + op.key() + " as " + r + ", ending in " + el + " of " + w
                        + ", which appended to it again after");
                return false;
            }
        }
        // Every commit that returned before the read (or its transaction's snapshot) began is visible.
        long from = fromSnapshot ? t.first : op.start();
        int needed = visibleBefore(op.key(), from);
        if (r.size() < needed) {
            Txn missed = writers.get(fin.get(needed - 1)).txn();
            problem("stale read: " + t + " read " + op.key() + " as " + r + " in [" + op + "], without " + missed
                    + ", whose commit returned before " + (fromSnapshot ? "the transaction's first operation" : "the read")
                    + " began");
            return false;
        }
        return true;
    }

    /** Per key: the commit-return times of its final list's elements, sorted, and the furthest position returned by each. */
    private final Map<Key, long[][]> returned = new HashMap<>();

    /** How long a prefix of the key's final list had returned from commit before {@code time}. */
    private int visibleBefore(Key key, long time) {
        long[][] r = returned.computeIfAbsent(key, k -> {
            List<Long> fin = history.finalLists.getOrDefault(k, List.of());
            Integer[] order = new Integer[fin.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, java.util.Comparator.comparingLong(i -> writers.get(fin.get(i)).txn().commitEnd));
            long[] ends = new long[order.length];
            long[] furthest = new long[order.length];
            for (int j = 0; j < order.length; j++) {
                ends[j] = writers.get(fin.get(order[j])).txn().commitEnd;
                furthest[j] = Math.max(j == 0 ? 0 : furthest[j - 1], order[j] + 1);
            }
            return new long[][] {ends, furthest};
        });
        int lo = 0;
        int hi = r[0].length; // first index whose end is >= time
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (r[0][mid] < time) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo == 0 ? 0 : (int) r[1][lo - 1];
    }

    // ---- the dependency graph ----

    private int scanNode(int scan) {
        return scanNode.computeIfAbsent(scan, s -> {
            arcs.add(new ArrayList<>());
            return arcs.size() - 1;
        });
    }

    private void arc(int from, int to, Edge type, Key key) {
        if (from != to) {
            arcs.get(from).add(new Arc(to, type, key));
        }
    }

    private void buildGraph() {
        for (Map.Entry<Key, List<Long>> e : history.finalLists.entrySet()) {
            List<Long> list = e.getValue();
            for (int i = 0; i + 1 < list.size(); i++) {
                arc(node(list.get(i)), node(list.get(i + 1)), Edge.WW, e.getKey());
            }
        }
        for (Txn t : nodes) {
            int self = nodeOf.get(t);
            Map<Key, Integer> ownCount = new HashMap<>();
            for (Op op : t.ops) {
                int mine = ownCount.getOrDefault(op.key(), 0);
                int n = op.observed().size() - mine;
                if (op.kind() == Kind.APPEND) {
                    ownCount.merge(op.key(), 1, Integer::sum);
                }
                List<Long> fin = history.finalLists.getOrDefault(op.key(), List.of());
                int wrote = n > 0 ? node(fin.get(n - 1)) : -1;
                int next = n < fin.size() ? node(fin.get(n)) : -1;
                if (wrote >= 0) {
                    arc(wrote, self, Edge.WR, op.key());
                }
                if (t.isolation != IsolationLevel.READ_COMMITTED) {
                    if (snapshotRead(t, op) && next >= 0) {
                        arc(self, next, Edge.RW, op.key());
                    }
                } else if (op.kind() == Kind.SCAN) {
                    int s = scanNode(op.scan());
                    if (wrote >= 0) {
                        arc(wrote, s, Edge.WR, op.key());
                    }
                    if (next >= 0) {
                        arc(s, next, Edge.RW, op.key());
                    }
                }
            }
        }
    }

    private int node(long element) {
        return nodeOf.get(writers.get(element).txn());
    }

    private void checkCycles() {
        int[] comp = components(a -> a.type() != Edge.RW, x -> true);
        if (reportCycles(comp, a -> a.type() != Edge.RW, "G0/G1c (cycle of write and read dependencies)")) {
            return;
        }
        gSingle(comp);
        // Only among SERIALIZABLE transactions alone: what a cycle through weaker ones may do is theirs to say.
        boolean allSerializable = nodes.stream().allMatch(t -> t.isolation == IsolationLevel.SERIALIZABLE);
        if (allSerializable && problems.isEmpty()) {
            java.util.function.IntPredicate committed = x -> x < nodes.size() && nodes.get(x).outcome.committed();
            int[] all = components(a -> true, committed);
            reportCycles(all, a -> committed.test(a.to()), "G2 (cycle with anti-dependencies among committed transactions)");
        }
    }

    /**
     * G-single: an anti-dependency u -rw-> v where v reaches u through write and read dependencies.
     * Those form a DAG here (G1c was checked first), so the search from v only visits nodes that
     * come before u in a topological order.
     */
    private void gSingle(int[] comp) {
        int n = arcs.size();
        int[] topo = topologicalIndex(comp);
        int found = 0;
        for (int u = 0; u < n && found < 5; u++) {
            boolean throughScan = u >= nodes.size();
            IsolationLevel level = throughScan ? null : nodes.get(u).isolation;
            if (level == IsolationLevel.READ_COMMITTED) {
                continue;
            }
            if (level == IsolationLevel.SNAPSHOT && nodes.get(u).ops.stream().anyMatch(Op::locking)) {
                // A locking read may see (and its append follow) a commit after the snapshot, as the
                // docs allow: what reaches this transaction no longer committed before its snapshot.
                continue;
            }
            for (Arc a : arcs.get(u)) {
                if (a.type() != Edge.RW || topo[a.to()] > topo[u]) {
                    continue;
                }
                List<Arc> path = path(a.to(), u, x -> x.type() != Edge.RW, topo[u], topo);
                if (path != null) {
                    List<Arc> cycle = new ArrayList<>();
                    cycle.add(a);
                    cycle.addAll(path);
                    problem("G-single (" + (throughScan ? "cursor scan not from one committed state"
                            : "reads not from one snapshot: read skew") + "): " + describe(u, cycle));
                    found++;
                    break;
                }
            }
        }
    }

    private int[] topologicalIndex(int[] comp) {
        int n = arcs.size();
        int[] indeg = new int[n];
        for (int u = 0; u < n; u++) {
            for (Arc a : arcs.get(u)) {
                if (a.type() != Edge.RW) {
                    indeg[a.to()]++;
                }
            }
        }
        ArrayDeque<Integer> q = new ArrayDeque<>();
        for (int u = 0; u < n; u++) {
            if (indeg[u] == 0) {
                q.add(u);
            }
        }
        int[] topo = new int[n];
        Arrays.fill(topo, Integer.MAX_VALUE);
        int i = 0;
        while (!q.isEmpty()) {
            int u = q.poll();
            topo[u] = i++;
            for (Arc a : arcs.get(u)) {
                if (a.type() != Edge.RW && --indeg[a.to()] == 0) {
                    q.add(a.to());
                }
            }
        }
        return topo;
    }

    /** A path from {@code from} to {@code to} over arcs {@code use} accepts, through nodes of topological index at most {@code limit}. */
    private List<Arc> path(int from, int to, java.util.function.Predicate<Arc> use, int limit, int[] topo) {
        Map<Integer, Arc> via = new HashMap<>();
        Map<Integer, Integer> parent = new HashMap<>();
        ArrayDeque<Integer> q = new ArrayDeque<>();
        Set<Integer> seen = new HashSet<>();
        q.add(from);
        seen.add(from);
        while (!q.isEmpty()) {
            int u = q.poll();
            if (u == to) {
                List<Arc> path = new ArrayList<>();
                for (int x = to; x != from; x = parent.get(x)) {
                    path.add(0, via.get(x));
                }
                return path;
            }
            for (Arc a : arcs.get(u)) {
                if (use.test(a) && (topo == null || topo[a.to()] <= limit) && seen.add(a.to())) {
                    parent.put(a.to(), u);
                    via.put(a.to(), a);
                    q.add(a.to());
                }
            }
        }
        return null;
    }

    /** Strongly connected components (Tarjan, iterative) over arcs {@code use} accepts, of nodes {@code in} accepts. */
    private int[] components(java.util.function.Predicate<Arc> use, java.util.function.IntPredicate in) {
        int n = arcs.size();
        int[] index = new int[n];
        int[] low = new int[n];
        int[] comp = new int[n];
        Arrays.fill(index, -1);
        Arrays.fill(comp, -1);
        boolean[] onStack = new boolean[n];
        int[] stack = new int[n];
        int sp = 0;
        int counter = 0;
        int comps = 0;
        int[] callNode = new int[n];
        int[] callArc = new int[n];
        for (int root = 0; root < n; root++) {
            if (index[root] >= 0 || !in.test(root)) {
                continue;
            }
            int depth = 0;
            callNode[0] = root;
            callArc[0] = 0;
            index[root] = low[root] = counter++;
            stack[sp++] = root;
            onStack[root] = true;
            while (depth >= 0) {
                int u = callNode[depth];
                List<Arc> out = arcs.get(u);
                if (callArc[depth] < out.size()) {
                    Arc a = out.get(callArc[depth]++);
                    int v = a.to();
                    if (!use.test(a) || !in.test(v)) {
                        continue;
                    }
                    if (index[v] < 0) {
                        index[v] = low[v] = counter++;
                        stack[sp++] = v;
                        onStack[v] = true;
                        depth++;
                        callNode[depth] = v;
                        callArc[depth] = 0;
                    } else if (onStack[v]) {
                        low[u] = Math.min(low[u], index[v]);
                    }
                } else {
                    if (low[u] == index[u]) {
                        int w;
                        do {
                            w = stack[--sp];
                            onStack[w] = false;
                            comp[w] = comps;
                        } while (w != u);
                        comps++;
                    }
                    depth--;
                    if (depth >= 0) {
                        int p = callNode[depth];
                        low[p] = Math.min(low[p], low[u]);
                    }
                }
            }
        }
        return comp;
    }

    /** Reports one cycle of each component of more than one node; whether there was any. */
    private boolean reportCycles(int[] comp, java.util.function.Predicate<Arc> use, String anomaly) {
        Map<Integer, List<Integer>> members = new HashMap<>();
        for (int u = 0; u < comp.length; u++) {
            if (comp[u] >= 0) {
                members.computeIfAbsent(comp[u], c -> new ArrayList<>()).add(u);
            }
        }
        boolean any = false;
        for (List<Integer> m : members.values()) {
            if (m.size() < 2) {
                continue;
            }
            any = true;
            int u = m.get(0);
            for (Arc a : arcs.get(u)) {
                if (use.test(a) && comp[a.to()] == comp[u]) {
                    int c = comp[u];
                    List<Arc> back = path(a.to(), u, x -> use.test(x) && comp[x.to()] == c, 0, null);
                    if (back != null) {
                        List<Arc> cycle = new ArrayList<>();
                        cycle.add(a);
                        cycle.addAll(back);
                        problem(anomaly + ": " + describe(u, cycle));
                        break;
                    }
                }
            }
        }
        return any;
    }

    private String describe(int start, List<Arc> cycle) {
        StringBuilder sb = new StringBuilder(name(start));
        for (Arc a : cycle) {
            sb.append(" -").append(a.type().name().toLowerCase()).append(' ').append(a.key()).append("-> ").append(name(a.to()));
        }
        sb.append("\n    where:");
        Set<Integer> listed = new HashSet<>();
        listed.add(start);
        sb.append("\n      ").append(detail(start));
        for (Arc a : cycle) {
            if (listed.add(a.to())) {
                sb.append("\n      ").append(detail(a.to()));
            }
        }
        return sb.toString();
    }

    private String name(int node) {
        if (node < nodes.size()) {
            return "T" + nodes.get(node).index;
        }
        for (Map.Entry<Integer, Integer> e : scanNode.entrySet()) {
            if (e.getValue() == node) {
                return "scan#" + e.getKey();
            }
        }
        return "?" + node;
    }

    private String detail(int node) {
        if (node < nodes.size()) {
            return nodes.get(node).toString();
        }
        String scan = name(node);
        for (Txn t : nodes) {
            for (Op op : t.ops) {
                if (op.kind() == Kind.SCAN && ("scan#" + op.scan()).equals(scan)) {
                    return scan + " of " + t;
                }
            }
        }
        return scan;
    }
}
