package org.cairndb.examples.ledger;

/** A committed transfer; {@code id} sorts by time. */
public record Transfer(String id, String from, String to, long amount, String time) {

    /** How a transfer is written into the history database and the audit message. */
    String toLine() {
        return id + " " + from + " " + to + " " + amount + " " + time;
    }

    static Transfer fromLine(String line) {
        String[] f = line.split(" ");
        return new Transfer(f[0], f[1], f[2], Long.parseLong(f[3]), f[4]);
    }
}
