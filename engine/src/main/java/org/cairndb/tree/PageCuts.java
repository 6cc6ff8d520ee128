package org.cairndb.tree;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Where an overfull page is cut into pieces that fit, and which separators the cuts send up: the
 * decisions of {@link TreeWriter}'s splits that depend only on the page (and, for a branch, on
 * whether its children have one child each), kept apart from the copy-on-write bookkeeping.
 * A cut is given as the index of the first entry (leaf) or child (branch) of each piece.
 */
final class PageCuts {

    private final int maxPayload;
    private final PageLoader loader;

    PageCuts(int maxPayload, PageLoader loader) {
        this.maxPayload = maxPayload;
        this.loader = loader;
    }

    /**
     * Where the pieces of the overfull {@code node} start (the first at 0), so that every piece
     * fits; null for a branch that has no cut keeping the invariant (see {@link #isWeak}): its
     * children must be regrouped first. When the change went to the end of the page (an ascending
     * load) each piece is filled as far as it goes; when it went to the start (a descending load),
     * likewise from the end, so that the first piece, where the next key goes, keeps the room;
     * otherwise the pieces are balanced.
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
    List<Integer> plan(Page node, boolean atEnd, boolean atStart) {
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
            return validCut(b);
        }
        return starts;
    }

    /** Pieces each filled as far as a page allows, whatever they leave alone. */
    List<Integer> fill(Page node) {
        return cutPoints(node, maxPayload);
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
    static boolean isWeak(Page p) {
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
    List<Integer> validCut(BranchPage b) {
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
        Collections.reverse(starts);
        return starts;
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
        Collections.reverse(starts);
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
}
