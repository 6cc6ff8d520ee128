package org.cairndb.bench.harness;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * How fast this disk makes one small write durable, by the ways a log can ask for it: a write then
 * {@code fdatasync} (what Cairn's log does: {@code FileChannel.force(false)} on a preallocated
 * segment), a write to a file opened {@code O_DSYNC}, the same with {@code O_DIRECT}, and
 * {@code O_DIRECT} alone. One thread, the same preallocated 64 MiB file, 4 KiB aligned writes going
 * forward (512 bytes apart for the buffered modes, as a log's commits are). A one-thread commit rate
 * cannot beat the best of these.
 *
 * <pre>java -cp bench/target/benchmarks.jar org.cairndb.bench.harness.ForceModes [--dir DIR] [--writes N] [--rounds R]</pre>
 */
public final class ForceModes {

    private static final int FILE_BYTES = 64 << 20;
    private static final int BLOCK = 4096;

    private ForceModes() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of("bench/target/bench-data");
        int writes = 5000;
        int rounds = 2;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[++i]);
                case "--writes" -> writes = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (--dir DIR, --writes N, --rounds R)");
            }
        }
        Files.createDirectories(dir);
        Path file = dir.resolve("force-modes.dat");
        preallocate(file);
        try {
            for (int r = 1; r <= rounds; r++) {
                for (String mode : List.of("write+fdatasync", "O_DSYNC", "O_DIRECT+O_DSYNC", "O_DIRECT")) {
                    System.out.printf(Locale.ROOT, "round %d  %-16s %,8.0f durable writes/s%n", r, mode,
                            run(file, mode, writes));
                }
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static void preallocate(Path file) throws IOException {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
            for (long at = 0; at < FILE_BYTES; at += zeros.capacity()) {
                zeros.clear();
                c.write(zeros, at);
            }
            c.force(true);
        }
    }

    private static double run(Path file, String mode, int writes) throws IOException {
        Set<OpenOption> options = new HashSet<>(List.of(StandardOpenOption.WRITE));
        boolean direct = mode.startsWith("O_DIRECT");
        boolean dsync = mode.contains("O_DSYNC");
        if (dsync) {
            options.add(StandardOpenOption.DSYNC);
        }
        if (direct) {
            options.add(ExtendedOpenOption.DIRECT);
        }
        ByteBuffer block = ByteBuffer.allocateDirect(2 * BLOCK).alignedSlice(BLOCK).limit(BLOCK);
        try (FileChannel c = FileChannel.open(file, options)) {
            long at = 0;
            long t0 = System.nanoTime();
            for (int i = 0; i < writes; i++) {
                block.clear().limit(BLOCK);
                c.write(block, at);
                if (!direct && !dsync) {
                    c.force(false);
                }
                at += direct ? BLOCK : 512;
                if (at + BLOCK > FILE_BYTES) {
                    at = 0;
                }
            }
            return writes / ((System.nanoTime() - t0) / 1e9);
        }
    }
}
