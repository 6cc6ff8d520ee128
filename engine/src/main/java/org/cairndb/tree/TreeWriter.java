package org.cairndb.tree;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.cairndb.util.Bytes;

/**
 * Applies writes to one database's tree, copy-on-write, producing a new root.
 *
 * <p>A writer belongs to one apply <em>epoch</em> (the timestamp of the version being built). The
 * first time it changes a page of an older epoch it copies the page (and the path above it) into
 * its epoch and reports the original as replaced; later writes in the same epoch change the copy
 * in place. A batch of many writes thus copies each touched page once, and readers of published
 * versions never see a change.
 *
 * <p>Pages split when their payload outgrows a page: into as many pages as needed, with a biased
 * split when the write went to the end of the page (ascending loads fill pages completely rather
 * than by half). After deletes, a page below a quarter of a page merges with a neighbour when the
 * two fit comfortably in one; an empty page is always removed, and a root with a single child
 * gives way to that child.
 */
public final class TreeWriter {

    /**
     * Levels the path arrays hold at first; they grow for a deeper tree. Keys of the largest size
     * leave two children per branch at 8 KiB pages; some insertion orders once added a level per
     * key (see {@link #isWeak}), and with a fixed 64 the 65th level failed the environment.
     */
    private static final int INITIAL_DEPTH = 16;

    private final long epoch;
    private final int maxPayload;
    private final int inlineLimit;
    private final PageLoader loader;
    private final PageSink sink;
    private Page root;
    private long count;

    private BranchPage[] pathPages = new BranchPage[INITIAL_DEPTH];
    private int[] pathIndex = new int[INITIAL_DEPTH];
    /** Key range [pathLow[d], pathHigh[d]) of the page at depth d of the current path; null bounds are open. */
    private byte[][] pathLow = new byte[INITIAL_DEPTH + 1][];
    private byte[][] pathHigh = new byte[INITIAL_DEPTH + 1][];
    private LeafPage leaf;
    /** Depth of {@link #leaf} while the path to it is still valid (no split or delete since), else -1. */
    private int leafDepth = -1;
    /** The last key written through the current path, and how many of the leaf's entries sort before it. */
    private byte[] lastKey;
    private int leafPos;
    private final List<Persistable> created = new ArrayList<>();
    /** Size of {@link #created} after the last {@link #finish}. */
    private int settled;

    public TreeWriter(Page root, long count, long epoch, int pageSize, PageLoader loader, PageSink sink) {
        this.root = root;
        this.count = count;
        this.epoch = epoch;
        this.maxPayload = PageFormat.maxPayload(pageSize);
        this.inlineLimit = PageFormat.inlineLimit(pageSize);
        this.loader = loader;
        this.sink = sink;
    }

    public Page root() {
        return root;
    }

    public long count() {
        return count;
    }

    /**
     * Ends a batch: every object created by this writer that is still part of the tree counts
     * against the dirty budget at its current size. Call before publishing the new root. The
     * writer may go on with another batch in the same epoch (recovery does, so that a page is
     * copied once rather than once per batch) as long as nobody reads the published version
     * meanwhile and no checkpoint writes it; it then changes its own pages in place.
     */
    public void finish() {
        int live = 0;
        for (Persistable p : created) {
            p.account(sink);
            if (!p.isReplaced()) {
                created.set(live++, p);
            }
        }
        created.subList(live, created.size()).clear();
        settled = live;
    }

    /**
     * Objects (pages, overflow values) this writer created since the last {@link #finish}: memory
     * the dirty budget does not know of yet. Cheap, unlike {@code finish}, whose cost grows with
     * everything the writer created in its epoch.
     */
    public int createdSinceFinish() {
        return created.size() - settled;
    }

    /** Inserts or replaces. Returns true if the key was new. */
    public boolean put(byte[] key, byte[] value) {
        Object stored = value;
        if (key.length + value.length > inlineLimit && value.length > 8) {
            Overflow o = new Overflow(value);
            created.add(o);
            stored = o;
        }
        return putStored(key, stored);
    }

    /**
     * As {@link #put(byte[], byte[])}, for recovery's values in slabs (see {@link LeafPage}): the
     * value is the {@code length} bytes at {@code offset} in {@code slab}, and the leaf refers to
     * them there. One too large to be inline gets its own array.
     */
    public boolean put(byte[] key, byte[] slab, int offset, int length) {
        if (key.length + length > inlineLimit && length > 8) {
            return put(key, Arrays.copyOfRange(slab, offset, offset + length));
        }
        return putStored(key, slab, LeafPage.slabRef(offset, length));
    }

    private boolean putStored(byte[] key, Object stored) {
        return putStored(key, stored, LeafPage.NOT_IN_SLAB);
    }

    /** Puts {@code stored}: a {@code byte[]} or an {@link Overflow}, or the slab holding the value at {@code slabRef}. */
    private boolean putStored(byte[] key, Object stored, long slabRef) {
        if (root == null) {
            LeafPage first = new LeafPage(epoch, new byte[0][], new Object[0]);
            created.add(first);
            root = first;
            leafDepth = -1;
        }
        int depth = descend(key);
        int i = leafPos > 0 ? leaf.findFrom(key, leafPos) : leaf.find(key);
        leafPos = i >= 0 ? i : -i - 1;
        boolean atEnd = false;
        boolean atStart = false;
        if (i >= 0) {
            Overflow old = leaf.overflow(i);
            if (old != null) {
                old.markReplaced(epoch, sink);
            }
            leaf.set(i, stored, slabRef);
        } else {
            int at = -i - 1;
            atEnd = at == leaf.count();
            atStart = at == 0 && !atEnd;
            leaf.insert(at, key, stored, slabRef);
            count++;
        }
        if (leaf.payloadSize() > maxPayload) {
            leafDepth = -1;
            splitUp(leaf, depth, atEnd, atStart);
        }
        return i < 0;
    }

    /** Deletes. Returns true if the key was there. */
    public boolean delete(byte[] key) {
        if (root == null || !TreeReader.contains(root, key, loader)) {
            return false;
        }
        int depth = descend(key);
        int i = leaf.find(key);
        Overflow old = leaf.overflow(i);
        if (old != null) {
            old.markReplaced(epoch, sink);
        }
        leaf.remove(i);
        count--;
        leafDepth = -1;
        rebalanceUp(leaf, depth);
        return true;
    }

    /**
     * Walks to the leaf for {@code key}, making every page on the way owned by this epoch. Leaves
     * the leaf in {@link #leaf} and the branches above it in pathPages/pathIndex; returns the
     * leaf's depth.
     *
     * <p>A sorted batch (recovery's replay, a bulk load) writes keys in ascending order, each close
     * to the one before. For such a key the walk does not start at the root: every page on the
     * current path starts at or before the previous key, so only the upper bounds can exclude the
     * new one. It climbs to the lowest page whose range still holds the key (usually the leaf
     * itself or its parent) and searches forward from the child it used last, by galloping, so a
     * key that lands next door costs one or two comparisons instead of a search from the root.
     */
    private int descend(byte[] key) {
        // The lowest page of the current path whose range holds the key, or -1: walk from the root.
        int from = -1;
        if (leafDepth >= 0) {
            if (Bytes.compare(key, lastKey) >= 0) {
                from = leafDepth;
                while (pathHigh[from] != null && Bytes.compare(key, pathHigh[from]) >= 0) {
                    from--; // the root's range is open, so this stops at depth 0 at the latest
                }
            } else if (pathLow[leafDepth] == null || Bytes.compare(key, pathLow[leafDepth]) >= 0) {
                from = leafDepth; // back within the same leaf, before the last key
                leafPos = 0;
            }
        }
        lastKey = key;
        if (from >= 0 && from == leafDepth) {
            return leafDepth; // the same leaf; leafPos entries still sort before the key
        }
        leafPos = 0;
        Page node;
        int depth;
        if (from >= 0) {
            node = pathPages[from];
            depth = from;
        } else {
            root = own(root);
            node = root;
            depth = 0;
            pathLow[0] = null;
            pathHigh[0] = null;
        }
        byte[] low = pathLow[depth];
        byte[] high = pathHigh[depth];
        while (!node.isLeaf()) {
            BranchPage b = (BranchPage) node;
            // Climbing stopped here because the key is at or past the upper bound of the child used
            // last: the child for it comes after that one.
            int i = depth == from ? b.childIndexFrom(key, pathIndex[depth] + 1) : b.childIndex(key);
            if (i > 0) {
                low = b.key(i - 1);
            }
            if (i < b.count() - 1) {
                high = b.key(i);
            }
            Page child = b.child(i, loader);
            Page owned = own(child);
            if (owned != child) {
                b.setChild(i, new ChildRef(owned));
            }
            if (depth == pathPages.length) {
                growPath();
            }
            pathPages[depth] = b;
            pathIndex[depth] = i;
            depth++;
            pathLow[depth] = low;
            pathHigh[depth] = high;
            node = owned;
        }
        leaf = (LeafPage) node;
        leafDepth = depth;
        return depth;
    }

    /** Doubles the path arrays, for a tree deeper than they hold. */
    private void growPath() {
        int n = pathPages.length * 2;
        pathPages = Arrays.copyOf(pathPages, n);
        pathIndex = Arrays.copyOf(pathIndex, n);
        pathLow = Arrays.copyOf(pathLow, n + 1);
        pathHigh = Arrays.copyOf(pathHigh, n + 1);
    }

    private Page own(Page p) {
        if (p.epoch == epoch) {
            return p;
        }
        Page c = p.copy(epoch);
        created.add(c);
        p.markReplaced(epoch, sink);
        return c;
    }

    /**
     * Splits {@code page} (at {@code depth}) into as many pages as needed, and so on up the path.
     * {@code atEnd} / {@code atStart}: the write went to the end / the start of the page.
     */
    private void splitUp(Page page, int depth, boolean atEnd, boolean atStart) {
        Page node = page;
        boolean end = atEnd;
        boolean start = atStart;
        for (int d = depth; node.payloadSize() > maxPayload; d--) {
            List<byte[]> separators = new ArrayList<>();
            List<Page> parts = new ArrayList<>();
            split(node, end, start, separators, parts);
            if (parts.isEmpty()) {
                break; // regrouping its children made the branch fit (see regroupChildren)
            }
            if (d == 0) {
                ChildRef[] refs = new ChildRef[parts.size() + 1];
                refs[0] = new ChildRef(node);
                for (int j = 0; j < parts.size(); j++) {
                    refs[j + 1] = new ChildRef(parts.get(j));
                }
                BranchPage newRoot = new BranchPage(epoch, separators.toArray(new byte[0][]), refs);
                created.add(newRoot);
                root = newRoot;
                node = newRoot;
                d = 1; // the loop's d-- makes it 0: the new root is checked as the root
                continue;
            }
            BranchPage parent = pathPages[d - 1];
            int at = pathIndex[d - 1];
            for (int j = 0; j < parts.size(); j++) {
                parent.insertChild(at + 1 + j, separators.get(j), new ChildRef(parts.get(j)));
            }
            end = end && at + parts.size() == parent.count() - 1;
            start = start && at == 0;
            node = parent;
        }
    }

    /**
     * Cuts the tail of {@code node} into new pages so that every piece fits; {@code node} keeps the
     * first piece. When the change went to the end of the page (an ascending load) each piece is
     * filled as far as it goes; when it went to the start (a descending load), likewise from the
     * end, so that the first piece, where the next key goes, keeps the room; otherwise the pieces
     * are balanced.
     *
     * <p>Why the start matters: a branch holds only two children when their separators are keys of
     * the largest size (two 4,096-byte separators and three child pointers are 60 bytes more than an
     * 8 KiB page holds), so it splits two and one. The balanced cut left the two in the first piece:
     * after every split the path to the first leaf was full again, and the next smaller key split
     * every page on it, the root included. Keys of 4 KiB written in descending order grew the tree
     * by one level per key, and the 65th level failed the environment ("cannot apply committed
     * writes to the trees: Index 64 out of bounds").
     *
     * <p>That was not the only order: any cut that left a branch of one child alone over a branch of
     * one child let the tree grow without bound (descending keys above the smallest did so a level
     * per key). A cut of a branch that would do so is replaced by a valid one (see {@link #isWeak}).
     */
    private void split(Page node, boolean atEnd, boolean atStart, List<byte[]> separators, List<Page> parts) {
        int n = node.count();
        int total = node.payloadSize();
        int pieces = Math.max(2, (total + maxPayload - 1) / maxPayload);
        List<Integer> starts = atStart ? cutPointsFromEnd(node) : cutPoints(node, atEnd ? maxPayload : total / pieces);
        if (starts.size() > pieces && !atStart) {
            // Large entries made the balanced cut produce more pieces than needed; every extra piece
            // pushes another separator up, which could overfill the parent again. Pack fully instead.
            starts = cutPoints(node, maxPayload);
        }
        if (starts.size() == 1) {
            starts.add(Math.max(1, n / 2)); // cannot happen for an overfull page; kept for safety
        }
        preferShortSeparators(node, starts);
        if (node instanceof BranchPage b && !leavesNoWeakChain(b, starts)) {
            starts = validCut(b);
            if (starts == null) {
                regroupChildren(b);
                if (b.payloadSize() <= maxPayload) {
                    return;
                }
                n = b.count();
                starts = validCut(b);
                if (starts == null) {
                    starts = cutPoints(b, maxPayload); // not reached while the tree keeps its invariant; correct anyway
                }
            }
        }
        for (int j = 1; j < starts.size(); j++) {
            int from = starts.get(j);
            int to = j + 1 < starts.size() ? starts.get(j + 1) : n;
            Page part;
            if (node instanceof LeafPage l) {
                separators.add(separatorBetween(l.key(from - 1), l.key(from)));
                // Keys arriving in order fill the last piece of a split at the end up to a whole
                // page, as the first piece was: room for as many entries at once, instead of
                // growing its arrays six or seven times on the way: in a profile of a replay of
                // keys in order, most of the applying thread's samples were in those copies.
                boolean fills = atEnd && to == n;
                part = l.cut(from, to, epoch, fills ? starts.get(1) + 2 : 0);
            } else {
                BranchPage b = (BranchPage) node;
                separators.add(b.key(from - 1));
                part = b.cut(from, to, epoch);
            }
            created.add(part);
            parts.add(part);
        }
        int keep = starts.get(1);
        if (node instanceof LeafPage l) {
            l.truncate(keep);
        } else {
            ((BranchPage) node).truncate(keep);
        }
    }

    /**
     * Moves each cut whose separator would be long (over an eighth of a page) to the place nearby
     * with the shortest one, as long as both pieces still fit and keep a quarter of the two. A long
     * separator taken up a level costs room there: where keys share long prefixes in groups (pairs
     * alike in all but their last byte, say), cutting between groups rather than inside one keeps
     * the upper levels' separators short and their branches wide. Cuts between short separators
     * are left alone, so ordinary keys split exactly as before.
     */
    private void preferShortSeparators(Page node, List<Integer> starts) {
        for (int k = 1; k < starts.size(); k++) {
            int at = starts.get(k);
            int shortest = separatorLength(node, at);
            if (shortest <= maxPayload / 8) {
                continue;
            }
            int from = starts.get(k - 1);
            int to = k + 1 < starts.size() ? starts.get(k + 1) : node.count();
            int whole = piecePayload(node, from, to);
            int best = at;
            for (int c = from + 1; c < to; c++) {
                int left = piecePayload(node, from, c);
                int right = piecePayload(node, c, to);
                if (c == at || left > maxPayload || right > maxPayload || left < whole / 4 || right < whole / 4) {
                    continue;
                }
                int length = separatorLength(node, c);
                if (length < shortest || length == shortest && Math.abs(c - at) < Math.abs(best - at)) {
                    best = c;
                    shortest = length;
                }
            }
            starts.set(k, best);
        }
    }

    /** Length of the separator a cut in front of entry (or child) {@code at} sends up. */
    private static int separatorLength(Page node, int at) {
        if (node instanceof LeafPage l) {
            return Arrays.mismatch(l.key(at - 1), l.key(at)) + 1;
        }
        return ((BranchPage) node).key(at - 1).length;
    }

    /** Payload of a page holding entries (or children) [from, to) of {@code node}. */
    private static int piecePayload(Page node, int from, int to) {
        int payload = firstSize(node, from);
        for (int i = from + 1; i < to; i++) {
            payload += nextSize(node, i);
        }
        return payload;
    }

    /**
     * Whether a branch is <em>weak</em>: it has a single child. Separators of more than 4,066 bytes
     * leave room for only two children in a branch of an 8 KiB page, so an odd number of children
     * with such separators must be split with one of them alone. A tree whose weak branches may
     * have weak children can grow a level per key: a weak branch over a weak branch over ... holds
     * one key. So a split never leaves a weak branch alone in a piece (the invariant: no weak branch
     * has a weak child), and then every two levels at least double the keys below a branch: the
     * height stays within 2·log2(keys) + 2. (Deletes do not restore the invariant: they never add a
     * level, but a tree emptied by them keeps the height it had; a cut that finds it broken still
     * cuts correctly, only without the bound.)
     */
    private static boolean isWeak(Page p) {
        return !p.isLeaf() && p.count() == 1;
    }

    /** Whether no piece of {@code b} cut at {@code starts} would be a branch whose only child is weak. */
    private boolean leavesNoWeakChain(BranchPage b, List<Integer> starts) {
        for (int j = 0; j < starts.size(); j++) {
            int from = starts.get(j);
            int to = j + 1 < starts.size() ? starts.get(j + 1) : b.count();
            if (to - from == 1 && isWeak(b.child(from, loader))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The fewest pieces {@code b}'s children can be cut into such that every piece fits a page and
     * no piece holds a weak branch alone; null if there is no such cut. A cut into pairs always fits
     * (a branch of two children holds one separator), so there is none only when the number of
     * children is odd and every child that could stand alone is weak (the first one, at least).
     */
    private List<Integer> validCut(BranchPage b) {
        int m = b.count();
        // fewest[i]: fewest pieces for children [0, i); from[i]: where the last of them starts.
        int[] fewest = new int[m + 1];
        int[] from = new int[m + 1];
        Arrays.fill(fewest, Integer.MAX_VALUE);
        fewest[0] = 0;
        Boolean[] weak = new Boolean[m];
        for (int i = 1; i <= m; i++) {
            // Piece [j, i): 8 bytes for its first child, a separator and pointer for each further one.
            int payload = 8;
            for (int j = i - 1; j >= 0; j--) {
                if (j < i - 1) {
                    payload += BranchPage.separatorSize(b.key(j));
                    if (payload > maxPayload) {
                        break;
                    }
                }
                if (fewest[j] == Integer.MAX_VALUE || fewest[j] + 1 >= fewest[i]) {
                    continue;
                }
                if (j == i - 1) {
                    if (weak[j] == null) {
                        weak[j] = isWeak(b.child(j, loader));
                    }
                    if (weak[j]) {
                        continue;
                    }
                }
                fewest[i] = fewest[j] + 1;
                from[i] = j;
            }
        }
        if (fewest[m] == Integer.MAX_VALUE) {
            return null;
        }
        List<Integer> starts = new ArrayList<>();
        for (int i = m; i > 0; i = from[i]) {
            starts.add(from[i]);
        }
        java.util.Collections.reverse(starts);
        return starts;
    }

    /**
     * When no valid cut of {@code b} exists: replaces its children by new ones that group its
     * grandchildren afresh (the separators of {@code b} move down among theirs). No cut exists only
     * when {@code b}'s first child is weak, and the only child of a weak branch is not weak, so the
     * grandchildren always have a valid cut. The regrouped branch may even fit without a split:
     * with long separators, a weak child, a child of two and a weak child become two children of two.
     */
    private void regroupChildren(BranchPage b) {
        List<byte[]> keys = new ArrayList<>();
        List<ChildRef> refs = new ArrayList<>();
        for (int i = 0; i < b.count(); i++) {
            BranchPage c = (BranchPage) b.child(i, loader);
            if (i > 0) {
                keys.add(b.key(i - 1));
            }
            for (int t = 0; t < c.count(); t++) {
                if (t > 0) {
                    keys.add(c.key(t - 1));
                }
                refs.add(c.childRef(t));
            }
            c.markReplaced(epoch, sink);
        }
        BranchPage all = new BranchPage(epoch, keys.toArray(new byte[0][]), refs.toArray(new ChildRef[0]));
        List<Integer> starts = validCut(all);
        if (starts == null) {
            starts = cutPoints(all, maxPayload); // only if the invariant was broken (by deletes); correct anyway
        }
        byte[][] separators = new byte[starts.size() - 1][];
        ChildRef[] children = new ChildRef[starts.size()];
        for (int j = 0; j < starts.size(); j++) {
            int from = starts.get(j);
            int to = j + 1 < starts.size() ? starts.get(j + 1) : all.count();
            if (j > 0) {
                separators[j - 1] = all.key(from - 1);
            }
            BranchPage piece = all.cut(from, to, epoch);
            created.add(piece);
            children[j] = new ChildRef(piece);
        }
        b.replaceAll(separators, children);
    }

    /**
     * The separator that goes up when a leaf is cut between keys {@code left} and {@code right}: the
     * shortest prefix of {@code right} that sorts after {@code left}. A separator only has to sort
     * after every key on its left and not after any key on its right; it need not be a key. Keys of
     * 4 KiB that differ early thus leave separators of a few bytes, and branches of hundreds of
     * children instead of two. Keys sharing a long prefix still need one byte past it (the whole
     * key, when they differ only in their last byte).
     */
    static byte[] separatorBetween(byte[] left, byte[] right) {
        int common = Arrays.mismatch(left, right); // left < right: they differ, and right is not a prefix of left
        return common + 1 == right.length ? right : Arrays.copyOf(right, common + 1);
    }

    /**
     * Where pieces start when each piece is filled until it reaches {@code target} bytes, never
     * beyond a page (at least one entry each). A piece may end a little above the target rather
     * than below it, so that a page split in two gives two pieces, not two and a crumb.
     */
    private List<Integer> cutPoints(Page node, int target) {
        List<Integer> starts = new ArrayList<>();
        starts.add(0);
        int acc = firstSize(node, 0);
        for (int i = 1; i < node.count(); i++) {
            int add = nextSize(node, i);
            if (acc + add > maxPayload || acc >= target) {
                starts.add(i);
                acc = firstSize(node, i);
            } else {
                acc += add;
            }
        }
        return starts;
    }

    /**
     * As {@link #cutPoints} with pieces filled to a whole page, but filled from the last entry
     * backwards: the first piece gets what is left over.
     */
    private List<Integer> cutPointsFromEnd(Page node) {
        List<Integer> starts = new ArrayList<>();
        // The piece being filled is [i, end): firstSize(i) plus the nextSize of the entries after i.
        int following = 0;
        for (int i = node.count() - 1; i > 0; i--) {
            if (firstSize(node, i - 1) + nextSize(node, i) + following > maxPayload) {
                starts.add(i);
                following = 0;
            } else {
                following += nextSize(node, i);
            }
        }
        starts.add(0);
        java.util.Collections.reverse(starts);
        return starts;
    }

    /** Payload of a piece consisting only of entry {@code i}. */
    private static int firstSize(Page node, int i) {
        if (node instanceof LeafPage l) {
            return l.entrySize(i);
        }
        return 8;
    }

    /** Bytes entry {@code i} adds to a piece that already holds entries before it. */
    private static int nextSize(Page node, int i) {
        if (node instanceof LeafPage l) {
            return l.entrySize(i);
        }
        return BranchPage.separatorSize(((BranchPage) node).key(i - 1));
    }

    /** After a delete: removes empty pages and merges underfull ones, from {@code depth} up. */
    private void rebalanceUp(Page page, int depth) {
        Page node = page;
        for (int d = depth; d > 0; d--) {
            BranchPage parent = pathPages[d - 1];
            int i = pathIndex[d - 1];
            if (node.count() == 0) {
                node.markReplaced(epoch, sink);
                if (parent.count() == 1) {
                    parent.clear();
                } else if (i == 0) {
                    // Child 1 takes child 0's place, and the separator in front of it goes.
                    ChildRef second = parent.childRef(1);
                    parent.removeChild(1);
                    parent.setChild(0, second);
                } else {
                    parent.removeChild(i);
                }
            } else if (node.payloadSize() < maxPayload / 4 && parent.count() > 1) {
                mergeWithNeighbour(parent, i);
            }
            node = parent;
        }
        while (root != null) {
            if (root.count() == 0) {
                root.markReplaced(epoch, sink);
                root = null;
            } else if (!root.isLeaf() && root.count() == 1) {
                BranchPage b = (BranchPage) root;
                Page only = b.child(0, loader);
                b.markReplaced(epoch, sink);
                root = only;
            } else {
                return;
            }
        }
    }

    private void mergeWithNeighbour(BranchPage parent, int i) {
        int leftIndex = i > 0 ? i - 1 : i;
        int rightIndex = leftIndex + 1;
        Page left = parent.child(leftIndex, loader);
        Page right = parent.child(rightIndex, loader);
        byte[] separator = parent.key(leftIndex);
        int combined = left.payloadSize() + right.payloadSize()
                + (left.isLeaf() ? 0 : BranchPage.separatorSize(separator) - 8);
        if (combined > maxPayload * 3 / 4) {
            return;
        }
        Page ownedLeft = own(left);
        if (ownedLeft != left) {
            parent.setChild(leftIndex, new ChildRef(ownedLeft));
        }
        if (ownedLeft instanceof LeafPage l) {
            l.absorb((LeafPage) right);
        } else {
            ((BranchPage) ownedLeft).absorb(separator, (BranchPage) right);
        }
        right.markReplaced(epoch, sink);
        parent.removeChild(rightIndex);
    }
}
