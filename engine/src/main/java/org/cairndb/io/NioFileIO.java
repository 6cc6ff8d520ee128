package org.cairndb.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/** The real file system, through {@link FileChannel}. */
public final class NioFileIO implements FileIO {

    public static final NioFileIO INSTANCE = new NioFileIO();

    private NioFileIO() {
    }

    @Override
    public StorageFile open(Path path, boolean write, boolean create) throws IOException {
        Set<StandardOpenOption> options = write
                ? (create ? Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE)
                          : Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE))
                : Set.of(StandardOpenOption.READ);
        return new NioFile(path, options);
    }

    @Override
    public boolean exists(Path path) {
        return Files.exists(path);
    }

    @Override
    public List<String> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                if (Files.isRegularFile(p)) {
                    names.add(p.getFileName().toString());
                }
            }
        }
        Collections.sort(names);
        return names;
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        Files.createDirectories(dir);
    }

    @Override
    public void delete(Path path) throws IOException {
        Files.deleteIfExists(path);
    }

    @Override
    public void rename(Path source, Path target) throws IOException {
        Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        // Opening a directory for reading and forcing it works on Linux and macOS; Windows does not
        // allow it and does not need it (NTFS journals directory entries).
        boolean interrupted = Thread.interrupted(); // an interrupt would close the channel mid-force
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("windows")) {
                throw e;
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static final class NioFile implements StorageFile {
        private final Path path;
        private final Set<StandardOpenOption> options;
        private volatile FileChannel channel;
        private boolean closed;
        /** A lock lives and dies with its channel: such a file is never opened again behind its holder's back. */
        private boolean holdsLock;

        NioFile(Path path, Set<StandardOpenOption> options) throws IOException {
            this.path = path;
            this.options = options;
            this.channel = FileChannel.open(path, options);
        }

        @Override
        public Path path() {
            return path;
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            int start = dst.position();
            return io(ch -> {
                dst.position(start);
                int total = 0;
                while (dst.hasRemaining()) {
                    int n = ch.read(dst, position + total);
                    if (n < 0) {
                        break;
                    }
                    total += n;
                }
                return total;
            });
        }

        @Override
        public void write(ByteBuffer src, long position) throws IOException {
            int start = src.position();
            io(ch -> {
                src.position(start);
                long pos = position;
                while (src.hasRemaining()) {
                    pos += ch.write(src, pos);
                }
                return null;
            });
        }

        @Override
        public void force(boolean metadata) throws IOException {
            io(ch -> {
                ch.force(metadata);
                return null;
            });
        }

        @Override
        public long size() throws IOException {
            return io(FileChannel::size);
        }

        @Override
        public void truncate(long size) throws IOException {
            io(ch -> ch.truncate(size));
        }

        @Override
        public synchronized FileLock tryLock() throws IOException {
            FileLock lock = channel.tryLock();
            holdsLock |= lock != null;
            return lock;
        }

        @Override
        public synchronized FileLock tryLockShared() throws IOException {
            FileLock lock = channel.tryLock(0, Long.MAX_VALUE, true);
            holdsLock |= lock != null;
            return lock;
        }

        @Override
        public synchronized void close() throws IOException {
            closed = true;
            channel.close();
        }

        private interface Op<T> {
            T on(FileChannel ch) throws IOException;
        }

        /**
         * Runs a positional operation so that a thread's interrupt cannot close the file under the
         * environment. A {@link FileChannel} closes itself when a thread using it is interrupted
         * (for the interrupted thread and every other user alike); an application thread that
         * commits with its interrupt status set, or is interrupted during a force, would otherwise
         * take the log down with it. So the status is cleared for the operation and set again
         * afterwards, and if an interrupt arriving during the operation still closes the channel,
         * the file is opened again and the operation repeated: every operation here is positional
         * and idempotent (the same bytes at the same place, a force, a size, a truncation).
         */
        private <T> T io(Op<T> op) throws IOException {
            boolean interrupted = Thread.interrupted();
            try {
                while (true) {
                    FileChannel ch = channel;
                    try {
                        return op.on(ch);
                    } catch (ClosedChannelException e) {
                        // ClosedByInterruptException and AsynchronousCloseException included; each
                        // retry clears the status again, so it ends when an attempt is not interrupted
                        interrupted |= Thread.interrupted();
                        if (!reopen(ch)) {
                            throw e;
                        }
                    }
                }
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        /**
         * Replaces a channel closed by an interrupt; false if the file was closed on purpose, or if
         * it holds a lock (the close released it, and the caller must hear of it).
         */
        private synchronized boolean reopen(FileChannel broken) throws IOException {
            if (closed || holdsLock) {
                return false;
            }
            if (channel == broken) {
                channel = FileChannel.open(path, options);
            }
            return true;
        }
    }
}
