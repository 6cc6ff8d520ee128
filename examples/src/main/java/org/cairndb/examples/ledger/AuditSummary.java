package org.cairndb.examples.ledger;

import java.util.List;

/** What the audit trail has recorded: how many transfers, and the ids of the first {@code limit}. */
public record AuditSummary(long count, List<String> transfers) {
}
