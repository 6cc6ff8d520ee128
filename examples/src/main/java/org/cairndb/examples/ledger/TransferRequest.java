package org.cairndb.examples.ledger;

/** The body of {@code POST /api/transfers}: move {@code amount} cents from one account to another. */
public record TransferRequest(String from, String to, long amount) {
}
