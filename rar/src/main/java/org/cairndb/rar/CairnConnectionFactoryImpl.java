package org.cairndb.rar;

import jakarta.resource.ResourceException;
import jakarta.resource.spi.ConnectionManager;
import javax.naming.Reference;

/** The application's connection factory: asks the server's connection manager for handles. */
public class CairnConnectionFactoryImpl implements CairnConnectionFactory {

    private static final long serialVersionUID = 1L;

    private final CairnManagedConnectionFactory mcf;
    private final ConnectionManager cm;
    private Reference reference;

    public CairnConnectionFactoryImpl(CairnManagedConnectionFactory mcf, ConnectionManager cm) {
        this.mcf = mcf;
        this.cm = cm;
    }

    @Override
    public CairnConnection getConnection() throws ResourceException {
        return (CairnConnection) cm.allocateConnection(mcf, null);
    }

    @Override
    public String environmentName() {
        return mcf.getEnvironmentName();
    }

    @Override
    public void setReference(Reference reference) {
        this.reference = reference;
    }

    @Override
    public Reference getReference() {
        return reference;
    }

    @Override
    public String toString() {
        return "CairnConnectionFactory[" + mcf.getEnvironmentName() + "]";
    }
}
