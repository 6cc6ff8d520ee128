package org.cairndb.tools;

import java.util.Map;

/**
 * The header of a dump, as read by {@link DumpReader}.
 *
 * @param format   how keys and values are encoded
 * @param type     the access method named by {@code type=} ({@code btree} or {@code hash}; btree if absent)
 * @param database the {@code database=} (or {@code subdatabase=}) name, or null
 * @param fields   every header line, in order, for tools that want to show them
 */
public record DumpHeader(DumpFormat format, String type, String database, Map<String, String> fields) {
}
