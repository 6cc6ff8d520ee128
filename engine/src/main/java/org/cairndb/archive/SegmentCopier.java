package org.cairndb.archive;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;
import org.cairndb.io.FileIO;
import org.cairndb.io.StorageFile;

/**
 * Copies files the way archives and backups need it: to a temporary name, forced, then renamed
 * into place and the directory synced, so that a file under its final name is always whole. A
 * large copy is forced in steps as it goes ({@link WriteBehind}), not in one burst at its end. A
 * destination that already exists is never overwritten: if it is identical the copy counts as
 * done, otherwise it is an error naming both files. Copies are readable by their owner only.
 */
public final class SegmentCopier {

    private static final int CHUNK = 1 << 20;

    private SegmentCopier() {
    }

    /** Copies {@code from} to {@code to} unless an identical {@code to} exists; returns bytes copied (0 if identical). */
    public static long copyOnce(FileIO io, Path from, Path to, CopyPace pace) throws IOException {
        if (io.exists(to)) {
            if (identical(io, from, to)) {
                return 0;
            }
            throw new FileAlreadyExistsException(to.toString(), from.toString(), to + " already exists and differs from "
                    + from + "; it is never overwritten: find out which copy is right and move the other away");
        }
        return copyReplacing(io, from, to, pace);
    }

    /**
     * Copies {@code from} over {@code to} (via a temporary file and an atomic rename); returns bytes
     * copied. {@code pace} (may be null) is told of every chunk.
     */
    public static long copyReplacing(FileIO io, Path from, Path to, CopyPace pace) throws IOException {
        Path tmp = to.resolveSibling(to.getFileName() + ".copying");
        try {
            return copyThrough(io, from, tmp, to, pace);
        } catch (IOException | RuntimeException e) {
            // A copy stopped half-way (its pace stopped it, the disk filled) leaves no part behind.
            try {
                io.delete(tmp);
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private static long copyThrough(FileIO io, Path from, Path tmp, Path to, CopyPace pace) throws IOException {
        long total = 0;
        try (StorageFile in = io.open(from, false, false); StorageFile out = io.open(tmp, true, true);
                WriteBehind behind = new WriteBehind(out)) {
            out.truncate(0);
            ownerOnly(tmp);
            ByteBuffer buf = ByteBuffer.allocate(CHUNK);
            while (true) {
                buf.clear();
                int n = in.read(buf, total);
                if (n <= 0) {
                    break;
                }
                buf.flip();
                out.write(buf, total);
                total += n;
                behind.wrote(n);
                if (pace != null) {
                    pace.copied(n);
                }
            }
            behind.awaitRunning();
            out.force(true);
        }
        io.rename(tmp, to);
        io.syncDirectory(to.getParent());
        return total;
    }

    /**
     * Writes {@code bytes} as the whole of {@code to}, the way every copy is written: to a temporary
     * file (readable by its owner only), forced, renamed into place and the directory synced, so that
     * a file under its name is always whole. When that fails the temporary file is removed again and
     * a file already under the name is left as it was.
     */
    public static void writeWhole(FileIO io, Path to, byte[] bytes) throws IOException {
        Path tmp = to.resolveSibling(to.getFileName() + ".tmp");
        try {
            try (StorageFile out = io.open(tmp, true, true)) {
                out.truncate(0);
                ownerOnly(tmp);
                out.write(ByteBuffer.wrap(bytes), 0);
                out.force(true);
            }
            io.rename(tmp, to);
            io.syncDirectory(to.getParent());
        } catch (IOException e) {
            try {
                io.delete(tmp);
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /**
     * The first offset at which {@code copy} holds a byte that {@code file} does not hold at the same
     * place, or -1 if there is none: the copy was then taken from {@code file} (or from an earlier
     * state of it; segments are zero-filled ahead and only ever appended to) and not written since.
     * Beyond the end of {@code file} the copy must hold zeros.
     */
    public static long firstDifference(FileIO io, Path file, Path copy) throws IOException {
        return firstDifference(io, file, copy, 0);
    }

    /** {@link #firstDifference(FileIO, Path, Path)} from offset {@code from} on. */
    public static long firstDifference(FileIO io, Path file, Path copy, long from) throws IOException {
        return firstMismatch(io, file, copy, from, false);
    }

    /**
     * The first offset from {@code from} on at which {@code copy} holds a byte other than zero that
     * {@code file} does not hold at the same place, or -1: a copy read from {@code file} while it was
     * being appended to holds its bytes, with zeros where a write had not reached yet (a record
     * caught half-written), and nothing else.
     */
    public static long firstForeignByte(FileIO io, Path file, Path copy, long from) throws IOException {
        return firstMismatch(io, file, copy, from, true);
    }

    private static long firstMismatch(FileIO io, Path file, Path copy, long from, boolean zerosAgree) throws IOException {
        try (StorageFile fa = io.open(file, false, false); StorageFile fb = io.open(copy, false, false)) {
            long size = fb.size();
            ByteBuffer a = ByteBuffer.allocate(CHUNK);
            ByteBuffer b = ByteBuffer.allocate(CHUNK);
            for (long pos = from; pos < size; pos += CHUNK) {
                b.clear();
                a.clear();
                int nb = readFully(fb, b, pos);
                int na = readFully(fa, a, pos);
                for (int i = 0; i < nb; i++) {
                    byte got = b.get(i);
                    if (got != (i < na ? a.get(i) : 0) && !(zerosAgree && got == 0)) {
                        return pos + i;
                    }
                }
            }
            return -1;
        }
    }

    private static int readFully(StorageFile f, ByteBuffer buf, long pos) throws IOException {
        int total = 0;
        while (buf.hasRemaining()) {
            int n = f.read(buf, pos + total);
            if (n <= 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    /** Whether two files hold the same bytes. */
    public static boolean identical(FileIO io, Path a, Path b) throws IOException {
        return sameOrZeroedFrom(io, a, b, Long.MAX_VALUE);
    }

    /**
     * Whether {@code a} is {@code b} with zeros written over any of its bytes from {@code offset}
     * on: the same size, the same bytes before {@code offset}, and from there each byte of {@code a}
     * the one of {@code b} or zero (a segment cut there, the cut perhaps reaching the disk in part).
     */
    public static boolean sameOrZeroedFrom(FileIO io, Path a, Path b, long offset) throws IOException {
        try (StorageFile fa = io.open(a, false, false); StorageFile fb = io.open(b, false, false)) {
            if (fa.size() != fb.size()) {
                return false;
            }
            ByteBuffer ba = ByteBuffer.allocate(CHUNK);
            ByteBuffer bb = ByteBuffer.allocate(CHUNK);
            for (long pos = 0; ; pos += CHUNK) {
                ba.clear();
                bb.clear();
                int na = fa.read(ba, pos);
                int nb = fb.read(bb, pos);
                if (na != nb) {
                    return false;
                }
                if (na <= 0) {
                    return true;
                }
                for (int i = Arrays.mismatch(ba.array(), 0, na, bb.array(), 0, nb); i >= 0 && i < na; i++) {
                    if (ba.get(i) != bb.get(i) && (pos + i < offset || ba.get(i) != 0)) {
                        return false;
                    }
                }
            }
        }
    }

    /** Creates a directory (and its parents) readable by its owner only, where the file system allows it. */
    public static void createOwnerOnlyDirectory(Path dir) throws IOException {
        Files.createDirectories(dir);
        ownerOnlyDirectory(dir);
    }

    private static void ownerOnlyDirectory(Path dir) throws IOException {
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: rely on its defaults
        }
    }

    /**
     * Makes every directory under {@code root} (itself included) {@code rwx------} and every file
     * {@code rw-------}: a backup or failover copy ends owner-only whatever wrote into it (the
     * recovery that opened it creates its lock file and may start a log segment, with the process's
     * umask). Symbolic links are left alone.
     */
    public static void restrictToOwner(Path root) throws IOException {
        try (var walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (Files.isSymbolicLink(p)) {
                    continue;
                }
                if (Files.isDirectory(p)) {
                    ownerOnlyDirectory(p);
                } else {
                    ownerOnly(p);
                }
            }
        }
    }

    public static void ownerOnly(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, Set.of(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                    java.nio.file.attribute.PosixFilePermission.OWNER_WRITE));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
    }
}
