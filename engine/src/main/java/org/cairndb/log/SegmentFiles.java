package org.cairndb.log;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cairndb.io.FileIO;

/** Names of log segment files: {@code log.0000000001}, ten digits, in the environment's {@code log/} directory. */
public final class SegmentFiles {

    public static final String PREFIX = "log.";
    /** Name under which the next segment is prepared (zero-filled) before it is needed. */
    public static final String PREALLOCATED = "log.next.tmp";

    private SegmentFiles() {
    }

    public static String name(long segment) {
        return String.format("log.%010d", segment);
    }

    /** The segment number of a file name, or -1 if it is not a segment's name. */
    public static long number(String fileName) {
        if (!fileName.startsWith(PREFIX) || fileName.length() != PREFIX.length() + 10) {
            return -1;
        }
        long n = 0;
        for (int i = PREFIX.length(); i < fileName.length(); i++) {
            char c = fileName.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /** Numbers of the segments present in {@code logDir}, ascending. */
    public static List<Long> list(FileIO io, Path logDir) throws IOException {
        List<Long> numbers = new ArrayList<>();
        for (String name : io.list(logDir)) {
            long n = number(name);
            if (n > 0) {
                numbers.add(n);
            }
        }
        numbers.sort(null);
        return numbers;
    }
}
