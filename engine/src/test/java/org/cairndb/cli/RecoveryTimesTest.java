package org.cairndb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

/** The times {@code cairn recover -t} reads: ISO-8601 and Berkeley DB's {@code [[CC]YY]MMDDhhmm[.SS]}. */
class RecoveryTimesTest {

    static final ZoneId PARIS = ZoneId.of("Europe/Paris"); // UTC+1 in November, UTC+2 in July
    static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");

    static Instant parse(String s) {
        return RecoveryTimes.parse(s, PARIS, NOW);
    }

    @Test
    void isoWithAZoneIsThatInstant() {
        assertEquals(Instant.parse("2026-11-22T03:15:00Z"), parse("2026-11-22T03:15:00Z"));
        assertEquals(Instant.parse("2026-11-22T03:15:00.250Z"), parse("2026-11-22T04:15:00.250+01:00"));
        assertEquals(Instant.parse("2026-07-01T10:00:00Z"), parse("2026-07-01T12:00:00+02:00[Europe/Paris]"));
    }

    @Test
    void isoWithoutAZoneIsLocalTime() {
        assertEquals(Instant.parse("2026-11-22T02:15:00Z"), parse("2026-11-22T03:15:00"));
        assertEquals(Instant.parse("2026-11-22T02:15:00Z"), parse("2026-11-22T03:15"));
        assertEquals(Instant.parse("2026-07-01T10:00:30.5Z"), parse("2026-07-01 12:00:30.5"));
        assertEquals(Instant.parse("2026-11-21T23:00:00Z"), parse("2026-11-22"));
    }

    @Test
    void berkeleyDbFormatIsLocalTime() {
        assertEquals(Instant.parse("2026-11-22T02:15:00Z"), parse("202611220315"));
        assertEquals(Instant.parse("2026-11-22T02:15:42Z"), parse("202611220315.42"));
        assertEquals(Instant.parse("2026-11-22T02:15:42Z"), parse("2611220315.42"));
        assertEquals(Instant.parse("2026-07-04T10:30:00Z"), parse("07041230"), "without a year: this year");
        assertEquals(Instant.parse("2026-07-04T10:30:05Z"), parse("07041230.05"));
    }

    @Test
    void twoDigitYearsFollowBerkeleyDb() {
        assertEquals(1969, parse("6901010000").atZone(PARIS).getYear());
        assertEquals(1999, parse("9912312359").atZone(PARIS).getYear());
        assertEquals(2000, parse("0001010000").atZone(PARIS).getYear());
        assertEquals(2068, parse("6801010000").atZone(PARIS).getYear());
    }

    @Test
    void nonsenseIsRefusedWithTheAcceptedForms() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse("yesterday"));
        assertTrue(e.getMessage().contains("'yesterday'") && e.getMessage().contains("[[CC]YY]MMDDhhmm[.SS]"), e.getMessage());
        IllegalArgumentException month = assertThrows(IllegalArgumentException.class, () -> parse("2613220315"));
        assertTrue(month.getMessage().contains("MonthOfYear"), month.getMessage());
        assertThrows(IllegalArgumentException.class, () -> parse("2611220315.7"));
        assertThrows(IllegalArgumentException.class, () -> parse("26112203"  + "1"));
        assertThrows(IllegalArgumentException.class, () -> parse("2026-11-22T25:00"));
    }
}
