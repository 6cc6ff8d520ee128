package org.cairndb.tree;

import java.util.Arrays;
import org.cairndb.util.Bytes;
import org.cairndb.util.VarInts;

/**
 * An inner node: {@code n} children and {@code n-1} separator keys. Child {@code i} holds the keys
 * {@code k} with {@code keys[i-1] <= k < keys[i]}.
 */
public final class BranchPage extends Page {

    private byte[][] keys;
    private ChildRef[] children;
    private int payload;

    BranchPage(long epoch, byte[][] keys, ChildRef[] children) {
        super(epoch);
        this.keys = keys;
        this.children = children;
        this.payload = computePayload();
    }

    private BranchPage(long epoch, byte[][] keys, ChildRef[] children, int payload) {
        super(epoch);
        this.keys = keys;
        this.children = children;
        this.payload = payload;
    }

    /** A branch decoded from disk at page {@code pos}. */
    public static BranchPage fromDisk(long pos, byte[][] keys, ChildRef[] children) {
        return new BranchPage(pos, keys, children, true);
    }

    private BranchPage(long pos, byte[][] keys, ChildRef[] children, boolean fromDisk) {
        super(pos, fromDisk);
        this.keys = keys;
        this.children = children;
        this.payload = computePayload();
    }

    private int computePayload() {
        int n = 8;
        for (byte[] k : keys) {
            n += separatorSize(k);
        }
        return n;
    }

    /** Bytes a separator and the child pointer after it take on disk; see {@link PageFormat#encodeBranch}. */
    static int separatorSize(byte[] key) {
        return VarInts.size(key.length) + key.length + 8;
    }

    @Override
    public boolean isLeaf() {
        return false;
    }

    @Override
    public int count() {
        return children.length;
    }

    @Override
    public int payloadSize() {
        return payload;
    }

    public byte[] key(int i) {
        return keys[i];
    }

    public ChildRef childRef(int i) {
        return children[i];
    }

    public Page child(int i, PageLoader loader) {
        return children[i].get(loader);
    }

    /** Index of the child whose key range holds {@code key}. */
    public int childIndex(byte[] key) {
        int lo = 0;
        int hi = keys.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Bytes.compare(keys[mid], key) <= 0) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    @Override
    BranchPage copy(long newEpoch) {
        BranchPage b = new BranchPage(newEpoch, keys.clone(), children.clone(), payload);
        return b;
    }

    // ---- changes, only on a page owned by the current epoch ----

    void setChild(int i, ChildRef ref) {
        children[i] = ref;
    }

    /** Inserts {@code separator} and, right after it, the child {@code ref} at child index {@code i}. */
    void insertChild(int i, byte[] separator, ChildRef ref) {
        int n = children.length;
        ChildRef[] c = new ChildRef[n + 1];
        System.arraycopy(children, 0, c, 0, i);
        c[i] = ref;
        System.arraycopy(children, i, c, i + 1, n - i);
        byte[][] k = new byte[n][];
        System.arraycopy(keys, 0, k, 0, i - 1);
        k[i - 1] = separator;
        System.arraycopy(keys, i - 1, k, i, n - i);
        children = c;
        keys = k;
        payload += separatorSize(separator);
    }

    /** Removes child {@code i} (i &gt; 0) and the separator in front of it. */
    void removeChild(int i) {
        payload -= separatorSize(keys[i - 1]);
        int n = children.length;
        ChildRef[] c = new ChildRef[n - 1];
        System.arraycopy(children, 0, c, 0, i);
        System.arraycopy(children, i + 1, c, i, n - i - 1);
        byte[][] k = new byte[n - 2][];
        System.arraycopy(keys, 0, k, 0, i - 1);
        System.arraycopy(keys, i, k, i - 1, n - i - 1);
        children = c;
        keys = k;
    }

    /**
     * Keeps children [0, from) here and returns a new branch with children [from, to); the
     * separator in front of child {@code from} is the one the parent must hold.
     */
    BranchPage cut(int from, int to, long newEpoch) {
        return new BranchPage(newEpoch, Arrays.copyOfRange(keys, from, to - 1), Arrays.copyOfRange(children, from, to));
    }

    /** Removes every child: the branch is empty and its parent must drop it. */
    void clear() {
        children = new ChildRef[0];
        keys = new byte[0][];
        payload = computePayload();
    }

    void truncate(int n) {
        children = Arrays.copyOf(children, n);
        keys = Arrays.copyOf(keys, n - 1);
        payload = computePayload();
    }

    /** Appends {@code separator} and all children of {@code right}. */
    void absorb(byte[] separator, BranchPage right) {
        int n = children.length;
        int m = right.children.length;
        children = Arrays.copyOf(children, n + m);
        System.arraycopy(right.children, 0, children, n, m);
        byte[][] k = Arrays.copyOf(keys, n + m - 1);
        k[n - 1] = separator;
        System.arraycopy(right.keys, 0, k, n, m - 1);
        keys = k;
        payload = computePayload();
    }

    @Override
    public int memory() {
        // Separators and child references; the payload already counts key bytes plus 8 per child.
        return 64 + payload + 40 * children.length;
    }
}
