package org.cairndb.rar;

import static org.cairndb.rar.TestAdapters.adapter;
import static org.cairndb.rar.TestAdapters.factory;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.resource.NotSupportedException;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.ActivationSpec;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The resource adapter bean: its identity, what it does not offer, connection definitions naming environments. */
class CairnResourceAdapterTest {

    @TempDir
    Path dir;

    @Test
    void adaptersConfiguredAlikeAreEqual() {
        CairnResourceAdapter a = adapter(dir, "unit", "homes");
        CairnResourceAdapter b = adapter(dir, "unit", "homes");
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        b.setIsolationLevel("SERIALIZABLE");
        assertNotEquals(a, b);
        assertEquals("SERIALIZABLE", b.getIsolationLevel());
    }

    @Test
    void inboundMessagingIsNotOffered() throws Exception {
        CairnResourceAdapter a = adapter(dir, "unit", "homes");
        assertThrows(NotSupportedException.class, () -> a.endpointActivation(null, null));
        a.endpointDeactivation(null, null);
        assertEquals(0, a.getXAResources(new ActivationSpec[0]).length, "XA recovery goes through the connection factory");
    }

    /** A connection definition naming an environment the adapter does not have is told which ones it has. */
    @Test
    void aConnectionDefinitionForAnUnknownEnvironmentIsToldWhichExist() throws Exception {
        CairnResourceAdapter a = adapter(dir, "unit", "homes");
        ResourceException notStarted = assertThrows(ResourceException.class,
                () -> factory(a, "unit").createManagedConnection(null, null));
        assertTrue(notStarted.getMessage().contains("the resource adapter is not started"), notStarted.getMessage());
        a.setAdditionalEnvironments("second");
        TestBootstrapContext ctx = new TestBootstrapContext();
        a.start(ctx);
        try {
            ResourceException e = assertThrows(ResourceException.class,
                    () -> factory(a, "third").createManagedConnection(null, null));
            assertTrue(e.getMessage().contains("no environment 'third'") && e.getMessage().contains("unit")
                    && e.getMessage().contains("second"), e.getMessage());
            assertEquals(java.util.Set.of("unit", "second"), a.environments().keySet());
        } finally {
            a.stop();
            ctx.close();
        }
        ResourceException stopped = assertThrows(ResourceException.class,
                () -> factory(a, "unit").createManagedConnection(null, null));
        assertTrue(stopped.getMessage().contains("not started"), stopped.getMessage());
    }

    @Test
    void aConnectionDefinitionNeedsCairnsAdapter() {
        CairnManagedConnectionFactory mcf = new CairnManagedConnectionFactory();
        ResourceException e = assertThrows(ResourceException.class, () -> mcf.createManagedConnection(null, null));
        assertTrue(e.getMessage().contains("not associated"), e.getMessage());
        assertThrows(ResourceException.class, () -> mcf.setResourceAdapter(null));
    }
}
