package org.cairndb.cli;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The times {@code cairn recover -t} accepts:
 *
 * <ul>
 * <li>ISO-8601: {@code 2026-11-22T03:15:00Z}, {@code 2026-11-22T04:15:00.250+01:00},
 * {@code 2026-11-22T04:15:00+01:00[Europe/Paris]}; without a zone ({@code 2026-11-22T03:15},
 * {@code 2026-11-22 03:15:00}) in local time; a date alone is its midnight, local time.</li>
 * <li>Berkeley DB's {@code db_recover -t} form {@code [[CC]YY]MMDDhhmm[.SS]}, local time: without
 * {@code CC}, {@code YY} from 69 to 99 is 19YY and otherwise 20YY; without a year, the current
 * year.</li>
 * </ul>
 */
final class RecoveryTimes {

    private static final Pattern BDB = Pattern.compile("(\\d{8}|\\d{10}|\\d{12})(?:\\.(\\d{2}))?");
    private static final Pattern SPACE_BETWEEN_DATE_AND_TIME = Pattern.compile("^(\\d{4}-\\d{2}-\\d{2}) +(\\d)");

    private RecoveryTimes() {
    }

    /** Parses {@code text} in the zone {@code local} (for times without a zone); {@code now} gives the current year. */
    static Instant parse(String text, ZoneId local, Instant now) {
        String t = text.strip();
        Matcher m = BDB.matcher(t);
        if (m.matches()) {
            return berkeleyDb(m, local, now, text);
        }
        String iso = SPACE_BETWEEN_DATE_AND_TIME.matcher(t).replaceFirst("$1T$2");
        try {
            TemporalAccessor parsed = DateTimeFormatter.ISO_DATE_TIME.parseBest(iso, ZonedDateTime::from,
                    OffsetDateTime::from, LocalDateTime::from);
            if (parsed instanceof ZonedDateTime z) {
                return z.toInstant();
            }
            if (parsed instanceof OffsetDateTime o) {
                return o.toInstant();
            }
            return ((LocalDateTime) parsed).atZone(local).toInstant();
        } catch (DateTimeParseException e) {
            // not a date and time; maybe a date alone
        }
        try {
            return LocalDate.parse(iso, DateTimeFormatter.ISO_LOCAL_DATE).atStartOfDay(local).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("cannot read the time '" + text + "': give ISO-8601 (2026-11-22T03:15:00,"
                    + " local time, or with a zone: 2026-11-22T03:15:00Z, 2026-11-22T04:15:00+01:00) or Berkeley DB's"
                    + " [[CC]YY]MMDDhhmm[.SS] (local time, e.g. 2611220315.00)");
        }
    }

    private static Instant berkeleyDb(Matcher m, ZoneId local, Instant now, String text) {
        String digits = m.group(1);
        int year;
        int i = 0;
        if (digits.length() == 12) {
            year = Integer.parseInt(digits.substring(0, 4));
            i = 4;
        } else if (digits.length() == 10) {
            int yy = Integer.parseInt(digits.substring(0, 2));
            year = (yy >= 69 ? 1900 : 2000) + yy;
            i = 2;
        } else {
            year = now.atZone(local).getYear();
        }
        int month = Integer.parseInt(digits.substring(i, i + 2));
        int day = Integer.parseInt(digits.substring(i + 2, i + 4));
        int hour = Integer.parseInt(digits.substring(i + 4, i + 6));
        int minute = Integer.parseInt(digits.substring(i + 6, i + 8));
        int second = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
        try {
            return LocalDateTime.of(year, month, day, hour, minute, second).atZone(local).toInstant();
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("cannot read the time '" + text + "' as [[CC]YY]MMDDhhmm[.SS]: "
                    + e.getMessage());
        }
    }
}
