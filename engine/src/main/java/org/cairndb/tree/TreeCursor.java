package org.cairndb.tree;

import org.cairndb.util.Bytes;

/**
 * A position in one immutable version of a tree. Because the version never changes, the cursor
 * keeps the path from the root to its leaf and steps along it; it never needs to re-search.
 */
public final class TreeCursor {

    /**
     * Room for this many levels at first; the path grows when a tree is deeper. Keys of the largest
     * size leave two children per branch at 8 KiB pages; some insertion orders once added a level
     * per key (see {@code PageCuts#isWeak}), and a fixed 64 failed reads of such a tree (files
     * written then may still hold one).
     */
    private static final int INITIAL_DEPTH = 16;

    private final Page root;
    private final PageLoader loader;
    private BranchPage[] branches = new BranchPage[INITIAL_DEPTH];
    private int[] indexes = new int[INITIAL_DEPTH];
    private int depth;
    private LeafPage leaf;
    private int index;
    private boolean valid;

    public TreeCursor(Page root, PageLoader loader) {
        this.root = root;
        this.loader = loader;
    }

    public boolean isValid() {
        return valid;
    }

    public byte[] key() {
        return leaf.key(index);
    }

    public byte[] value() {
        return leaf.value(index, loader);
    }

    public boolean first() {
        return descendEdge(true);
    }

    public boolean last() {
        return descendEdge(false);
    }

    /** Moves to the first key {@code >= key}. */
    public boolean ceiling(byte[] key) {
        if (!descendTo(key)) {
            return false;
        }
        int i = leaf.find(key);
        index = i >= 0 ? i : -i - 1;
        if (index < leaf.count()) {
            return valid = true;
        }
        index = leaf.count() - 1;
        return next();
    }

    /** Moves to the last key {@code <= key}. */
    public boolean floor(byte[] key) {
        if (!descendTo(key)) {
            return false;
        }
        int i = leaf.find(key);
        if (i >= 0) {
            index = i;
            return valid = true;
        }
        index = -i - 1;
        return prev();
    }

    /** Moves to the first key {@code > key}. */
    public boolean higher(byte[] key) {
        if (!ceiling(key)) {
            return false;
        }
        return Bytes.compare(key(), key) == 0 ? next() : true;
    }

    /** Moves to the last key {@code < key}. */
    public boolean lower(byte[] key) {
        if (!floor(key)) {
            return false;
        }
        return Bytes.compare(key(), key) == 0 ? prev() : true;
    }

    public boolean next() {
        if (leaf == null) {
            return valid = false;
        }
        if (index + 1 < leaf.count()) {
            index++;
            return valid = true;
        }
        // Climb until a branch has a child to the right, then take the leftmost path down it.
        int d = depth - 1;
        while (d >= 0 && indexes[d] + 1 >= branches[d].count()) {
            d--;
        }
        if (d < 0) {
            index = leaf.count();
            return valid = false;
        }
        indexes[d]++;
        Page node = branches[d].child(indexes[d], loader);
        depth = d + 1;
        return edgeFrom(node, true) || next();
    }

    public boolean prev() {
        if (leaf == null) {
            return valid = false;
        }
        if (index - 1 >= 0 && index - 1 < leaf.count()) {
            index--;
            return valid = true;
        }
        int d = depth - 1;
        while (d >= 0 && indexes[d] == 0) {
            d--;
        }
        if (d < 0) {
            index = -1;
            return valid = false;
        }
        indexes[d]--;
        Page node = branches[d].child(indexes[d], loader);
        depth = d + 1;
        return edgeFrom(node, false) || prev();
    }

    private boolean descendEdge(boolean leftmost) {
        depth = 0;
        leaf = null;
        if (root == null) {
            return valid = false;
        }
        return edgeFrom(root, leftmost) || (leftmost ? next() : prev());
    }

    /** Descends from {@code node} along its leftmost (or rightmost) path; true if the leaf is non-empty. */
    private boolean edgeFrom(Page node, boolean leftmost) {
        Page n = node;
        while (!n.isLeaf()) {
            BranchPage b = (BranchPage) n;
            int i = leftmost ? 0 : b.count() - 1;
            push(b, i);
            n = b.child(i, loader);
        }
        leaf = (LeafPage) n;
        if (leaf.count() == 0) {
            index = leftmost ? -1 : 0;
            valid = false;
            return false;
        }
        index = leftmost ? 0 : leaf.count() - 1;
        return valid = true;
    }

    private boolean descendTo(byte[] key) {
        depth = 0;
        leaf = null;
        if (root == null) {
            return valid = false;
        }
        Page n = root;
        while (!n.isLeaf()) {
            BranchPage b = (BranchPage) n;
            int i = b.childIndex(key);
            push(b, i);
            n = b.child(i, loader);
        }
        leaf = (LeafPage) n;
        return true;
    }

    /** Adds a branch and the child index taken in it to the path, growing the path if needed. */
    private void push(BranchPage b, int i) {
        if (depth == branches.length) {
            branches = java.util.Arrays.copyOf(branches, depth * 2);
            indexes = java.util.Arrays.copyOf(indexes, depth * 2);
        }
        branches[depth] = b;
        indexes[depth] = i;
        depth++;
    }
}
