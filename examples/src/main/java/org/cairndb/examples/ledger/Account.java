package org.cairndb.examples.ledger;

/** An account and its balance in cents. */
public record Account(String id, long balance) {
}
