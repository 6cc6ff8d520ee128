package org.cairndb;

/**
 * Continuous log archiving, as {@code cairn stat} and the admin MBean show it.
 *
 * @param enabled              whether continuous archiving is on
 * @param directory            where finished segments are copied
 * @param lastArchivedSegment  highest segment number archived with every one before it (0: none)
 * @param lagSegments          finished segments not archived yet
 * @param failures             failed attempts since open
 * @param lastError            the last failure, or null
 * @param lastArchivedMillis   when the last segment was archived (0: never)
 */
public record ArchiveStatus(boolean enabled, String directory, long lastArchivedSegment, long lagSegments,
        long failures, String lastError, long lastArchivedMillis) {
}
