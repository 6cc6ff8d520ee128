package org.cairndb.examples.ledger;

import jakarta.annotation.Resource;
import jakarta.ejb.Stateless;
import jakarta.resource.ResourceException;
import java.util.List;
import org.cairndb.rar.CairnConnection;
import org.cairndb.rar.CairnConnectionFactory;

/** Reads what {@link AuditTrail} recorded. */
@Stateless
public class Audit {

    @Resource(lookup = "java:/cairn/DefaultStore")
    private CairnConnectionFactory cairn;

    public AuditSummary summary(int limit) throws ResourceException {
        try (CairnConnection c = cairn.getConnection()) {
            List<String> ids = c.scan(AuditTrail.AUDIT, null, null, limit).stream().map(kv -> kv.keyString()).toList();
            return new AuditSummary(c.count(AuditTrail.AUDIT), ids);
        }
    }
}
