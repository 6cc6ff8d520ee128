package org.cairndb.tree;

/** Point lookups on a tree version. */
public final class TreeReader {

    private TreeReader() {
    }

    /** The leaf that would hold {@code key}, or null for an empty tree. */
    public static LeafPage leafFor(Page root, byte[] key, PageLoader loader) {
        Page node = root;
        if (node == null) {
            return null;
        }
        while (!node.isLeaf()) {
            BranchPage b = (BranchPage) node;
            node = b.child(b.childIndex(key), loader);
        }
        return (LeafPage) node;
    }

    /** The value of {@code key}, or null. */
    public static byte[] get(Page root, byte[] key, PageLoader loader) {
        LeafPage leaf = leafFor(root, key, loader);
        if (leaf == null) {
            return null;
        }
        int i = leaf.find(key);
        return i >= 0 ? leaf.value(i, loader) : null;
    }

    /** Levels of the tree, the leaves' included (0 for an empty tree): every leaf is at the same depth. */
    static int height(Page root, PageLoader loader) {
        int h = 0;
        for (Page node = root; node != null; node = node.isLeaf() ? null : ((BranchPage) node).child(0, loader)) {
            h++;
        }
        return h;
    }

    public static boolean contains(Page root, byte[] key, PageLoader loader) {
        LeafPage leaf = leafFor(root, key, loader);
        return leaf != null && leaf.find(key) >= 0;
    }
}
