package org.cairndb.rar;

import jakarta.resource.Referenceable;
import jakarta.resource.ResourceException;
import java.io.Serializable;

/**
 * What an application looks up (by default at {@code java:/cairn/DefaultStore}) or injects with
 * {@code @Resource(lookup = "java:/cairn/DefaultStore")} to reach a Cairn environment.
 *
 * <pre>{@code
 * try (CairnConnection c = factory.getConnection()) {
 *     c.put("accounts", key, value);   // part of the caller's JTA transaction, if there is one
 * }
 * }</pre>
 *
 * Inside a JTA transaction every handle obtained works in that transaction (through XA); outside one
 * each operation commits on its own.
 */
public interface CairnConnectionFactory extends Serializable, Referenceable {

    /** A connection handle on the environment this factory is configured for. Close it when done. */
    CairnConnection getConnection() throws ResourceException;

    /** The name of the environment the connections reach (the connection definition's {@code EnvironmentName}). */
    String environmentName();
}
