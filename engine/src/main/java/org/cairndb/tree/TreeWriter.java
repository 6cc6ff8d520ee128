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
 * than by half). The separator a leaf split sends up is the shortest that tells its two sides apart,
 * and no split leaves a branch of one child over a branch of one child, which keeps the tree of
 * logarithmic height even where keys of 4 KiB leave two children per branch (see {@link PageCuts}).
 * After deletes, a page below a quarter of a page merges with a neighbour when the two fit
 * comfortably in one; an empty page is always removed, and a root with a single child gives way
 * to that child.
 */
public final class TreeWriter {

    /**
     * Levels the path arrays hold at first; they grow for a deeper tree. Keys of the largest size
     * leave two children per branch at 8 KiB pages; some insertion orders once added a level per
     * key (see {@link PageCuts#isWeak}), and with a fixed 64 the 65th level failed the environment.
     */
    private static final int INITIAL_DEPTH = 16;

    private final long epoch;
    private final int maxPayload;
    private final int inlineLimit;
    private final PageLoader loader;
    private final PageSink sink;
    private final PageCuts cuts;
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
        this.cuts = new PageCuts(maxPayload, loader);
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
     * first piece. {@link PageCuts#plan} says where; when a branch has no cut that keeps the
     * invariant, its children are regrouped first ({@link #regroupChildren}), and the branch may
     * then fit without a split ({@code parts} stays empty).
     */
    private void split(Page node, boolean atEnd, boolean atStart, List<byte[]> separators, List<Page> parts) {
        int n = node.count();
        List<Integer> starts = cuts.plan(node, atEnd, atStart);
        if (starts == null) {
            BranchPage b = (BranchPage) node;
            regroupChildren(b);
            if (b.payloadSize() <= maxPayload) {
                return;
            }
            n = b.count();
            starts = cuts.validCut(b);
            if (starts == null) {
                starts = cuts.fill(b); // not reached while the tree keeps its invariant; correct anyway
            }
        }
        for (int j = 1; j < starts.size(); j++) {
            int from = starts.get(j);
            int to = j + 1 < starts.size() ? starts.get(j + 1) : n;
            Page part;
            if (node instanceof LeafPage l) {
                separators.add(PageCuts.separatorBetween(l.key(from - 1), l.key(from)));
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
        List<Integer> starts = cuts.validCut(all);
        if (starts == null) {
            starts = cuts.fill(all); // only if the invariant was broken (by deletes); correct anyway
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
