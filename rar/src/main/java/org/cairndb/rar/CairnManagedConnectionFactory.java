package org.cairndb.rar;

import jakarta.resource.ResourceException;
import jakarta.resource.spi.ConnectionManager;
import jakarta.resource.spi.ConnectionRequestInfo;
import jakarta.resource.spi.ManagedConnection;
import jakarta.resource.spi.ManagedConnectionFactory;
import jakarta.resource.spi.ResourceAdapter;
import jakarta.resource.spi.ResourceAdapterAssociation;
import jakarta.resource.spi.TransactionSupport;
import java.io.PrintWriter;
import java.util.Objects;
import java.util.Set;
import javax.security.auth.Subject;

/**
 * One connection definition: connections to the environment named by {@code EnvironmentName}. The
 * server calls {@link #createManagedConnection} with no request info both to pool connections and,
 * during XA recovery, to obtain an {@code XAResource}; both work without a handle.
 */
public class CairnManagedConnectionFactory implements ManagedConnectionFactory, ResourceAdapterAssociation,
        TransactionSupport {

    private static final long serialVersionUID = 1L;

    private String environmentName = "default";
    private transient CairnResourceAdapter ra;
    private transient PrintWriter logWriter;

    @Override
    public Object createConnectionFactory(ConnectionManager cm) {
        return new CairnConnectionFactoryImpl(this, cm);
    }

    /** Outside a server: connections managed by a minimal {@link DefaultConnectionManager}. */
    @Override
    public Object createConnectionFactory() {
        return new CairnConnectionFactoryImpl(this, new DefaultConnectionManager());
    }

    @Override
    public ManagedConnection createManagedConnection(Subject subject, ConnectionRequestInfo info) throws ResourceException {
        if (ra == null) {
            throw new ResourceException("this connection definition of Cairn is not associated with the resource adapter");
        }
        ManagedEnvironment me = ra.environment(environmentName);
        me.awaitOpen();
        try {
            return new CairnManagedConnection(this, me);
        } catch (IllegalStateException closedMeanwhile) {
            // The environment failed or closed between the wait and the connection's own look at it:
            // the server expects a ResourceException from here, with the reason.
            throw new ResourceException(closedMeanwhile.getMessage(), closedMeanwhile);
        }
    }

    @Override
    public ManagedConnection matchManagedConnections(@SuppressWarnings("rawtypes") Set candidates, Subject subject,
            ConnectionRequestInfo info) {
        for (Object o : candidates) {
            if (o instanceof CairnManagedConnection mc && mc.factory().equals(this) && mc.isUsable()) {
                return mc;
            }
        }
        return null;
    }

    @Override
    public TransactionSupportLevel getTransactionSupport() {
        return TransactionSupportLevel.XATransaction;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        this.logWriter = out;
    }

    @Override
    public PrintWriter getLogWriter() {
        return logWriter;
    }

    @Override
    public ResourceAdapter getResourceAdapter() {
        return ra;
    }

    @Override
    public void setResourceAdapter(ResourceAdapter adapter) throws ResourceException {
        if (!(adapter instanceof CairnResourceAdapter c)) {
            throw new ResourceException("Cairn's connection factory needs Cairn's resource adapter, not " + adapter);
        }
        this.ra = c;
    }

    public String getEnvironmentName() {
        return environmentName;
    }

    public void setEnvironmentName(String environmentName) {
        this.environmentName = environmentName == null || environmentName.isBlank() ? "default" : environmentName.trim();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CairnManagedConnectionFactory f && f.environmentName.equals(environmentName) && f.ra == ra;
    }

    @Override
    public int hashCode() {
        return Objects.hash(environmentName);
    }

    @Override
    public String toString() {
        return "CairnManagedConnectionFactory[" + environmentName + "]";
    }
}
