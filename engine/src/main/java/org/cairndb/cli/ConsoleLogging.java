package org.cairndb.cli;

import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The engine logs through {@link System.Logger}, which lands in java.util.logging: two lines per
 * message at INFO by default. On the command line only warnings matter (what recovery cut off, a
 * failed checkpoint), each on one line like every other message; {@code CAIRN_DEBUG=1} shows
 * everything down to DEBUG.
 */
final class ConsoleLogging {

    private ConsoleLogging() {
    }

    static void configure() {
        Level level = Errors.debug() ? Level.FINE : Level.WARNING;
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        ConsoleHandler console = new ConsoleHandler();
        console.setLevel(level);
        console.setFormatter(new OneLine());
        root.addHandler(console);
        root.setLevel(level);
    }

    private static final class OneLine extends Formatter {
        @Override
        public String format(LogRecord r) {
            String text = "cairn: " + r.getLevel().getName().toLowerCase(java.util.Locale.ROOT) + ": "
                    + Errors.oneLine(formatMessage(r)) + System.lineSeparator();
            if (r.getThrown() != null && Errors.debug()) {
                java.io.StringWriter sw = new java.io.StringWriter();
                r.getThrown().printStackTrace(new java.io.PrintWriter(sw));
                text += sw;
            }
            return text;
        }
    }
}
