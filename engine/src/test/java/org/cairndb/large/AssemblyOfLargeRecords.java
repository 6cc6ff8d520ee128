package org.cairndb.large;

import java.nio.file.Path;
import java.util.List;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.Lsn;
import org.cairndb.log.SegmentAssembler;

/**
 * Child-JVM program for {@link LogToolsInASmallHeapTest}: {@code LOGDIR SOURCE} gathers the
 * segments of SOURCE into LOGDIR as catastrophic recovery's first step does, reading each segment's
 * copies side by side and comparing their records; prints {@code assembled: NOTES}.
 */
public final class AssemblyOfLargeRecords {

    private AssemblyOfLargeRecords() {
    }

    public static void main(String[] args) throws Exception {
        SegmentAssembler.Assembly a = SegmentAssembler.assemble(NioFileIO.INSTANCE, Path.of(args[0]),
                List.of(Path.of(args[1])), null, Lsn.NULL);
        a.commit();
        System.out.println("assembled: " + a.notes());
    }
}
