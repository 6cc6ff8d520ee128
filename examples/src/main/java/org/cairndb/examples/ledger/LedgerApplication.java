package org.cairndb.examples.ledger;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/** The REST endpoints live under {@code /ledger/api}. */
@ApplicationPath("/api")
public class LedgerApplication extends Application {
}
