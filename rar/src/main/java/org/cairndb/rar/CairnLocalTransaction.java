package org.cairndb.rar;

import jakarta.resource.ResourceException;
import jakarta.resource.spi.LocalTransaction;

/** A local (one-resource) transaction the container demarcates on a managed connection. */
final class CairnLocalTransaction implements LocalTransaction {

    private final CairnManagedConnection mc;

    CairnLocalTransaction(CairnManagedConnection mc) {
        this.mc = mc;
    }

    @Override
    public void begin() throws ResourceException {
        mc.beginLocal();
    }

    @Override
    public void commit() throws ResourceException {
        mc.endLocal(true);
    }

    @Override
    public void rollback() throws ResourceException {
        mc.endLocal(false);
    }
}
