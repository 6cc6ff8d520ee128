package org.cairndb.rar;

import jakarta.resource.ResourceException;
import jakarta.resource.spi.ActivationSpec;
import jakarta.resource.spi.BootstrapContext;
import jakarta.resource.spi.ResourceAdapter;
import jakarta.resource.spi.ResourceAdapterInternalException;
import jakarta.resource.spi.endpoint.MessageEndpointFactory;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.transaction.xa.XAResource;

/**
 * The Cairn resource adapter: opens the configured environments when deployed (running recovery),
 * registers their admin MBeans and schedules their checkpoints, archiving and failover updates through
 * the server's {@link BootstrapContext}; checkpoints and closes them when undeployed. Holds no storage
 * logic: each environment's lifecycle is a {@link ManagedEnvironment}.
 *
 * <p>Its JavaBean properties are the adapter's configuration properties ({@code ra.xml}; every one has
 * a default that works under the server's data directory).
 */
public class CairnResourceAdapter implements ResourceAdapter, Serializable {

    private static final long serialVersionUID = 1L;
    private static final System.Logger LOG = System.getLogger(CairnResourceAdapter.class.getName());

    private String environmentName = "default";
    private String additionalEnvironments = "";
    private String environmentHome = "";
    private String durability = "SYNC";
    private String isolationLevel = "SNAPSHOT";
    private String cacheSize = "";
    private String lockTimeout = "10s";
    private String checkpointKBytes = "65536";
    private String checkpointMinutes = "5";
    private String archiveDirectory = "";
    private String logAutoRemove = "false";
    private String backupRoot = "";
    private String failoverDirectory = "";
    private String failoverInterval = "15min";
    private String backupMaxRate = "0";
    private String recovery = "normal";
    private String connectionWaitSeconds = "60";
    private String startWaitSeconds = "10";

    private transient Map<String, ManagedEnvironment> environments = Map.of();

    @Override
    public void start(BootstrapContext ctx) throws ResourceAdapterInternalException {
        List<EnvironmentSettings> settings;
        try {
            settings = EnvironmentSettings.of(this);
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.ERROR, e.getMessage());
            throw new ResourceAdapterInternalException(e.getMessage());
        }
        Map<String, ManagedEnvironment> started = new LinkedHashMap<>();
        try {
            for (EnvironmentSettings s : settings) {
                ManagedEnvironment me = new ManagedEnvironment(s, settings, ctx);
                started.put(s.name(), me);
                me.start();
            }
            for (ManagedEnvironment me : started.values()) {
                me.awaitStart();
            }
        } catch (ResourceException e) {
            for (ManagedEnvironment me : started.values()) {
                me.close();
            }
            throw e instanceof ResourceAdapterInternalException r ? r
                    : new ResourceAdapterInternalException(e.getMessage(), e);
        }
        environments = Map.copyOf(started);
        LOG.log(System.Logger.Level.INFO, "Cairn resource adapter started with environments " + started.keySet());
    }

    @Override
    public void stop() {
        List<ManagedEnvironment> list = new ArrayList<>(environments.values());
        environments = Map.of();
        for (ManagedEnvironment me : list) {
            me.close();
        }
        LOG.log(System.Logger.Level.INFO, "Cairn resource adapter stopped");
    }

    /** The environment named {@code name}, as connection definitions reach it. */
    ManagedEnvironment environment(String name) throws ResourceException {
        ManagedEnvironment me = environments.get(name);
        if (me == null) {
            throw new ResourceException("Cairn has no environment '" + name + "'"
                    + (environments.isEmpty() ? " (the resource adapter is not started)"
                            : "; configured environments are " + environments.keySet()));
        }
        return me;
    }

    /** The managed environments, for tests and tools in the same class loader. */
    Map<String, ManagedEnvironment> environments() {
        return environments;
    }

    @Override
    public void endpointActivation(MessageEndpointFactory endpointFactory, ActivationSpec spec) throws ResourceException {
        throw new jakarta.resource.NotSupportedException("Cairn has no inbound messaging");
    }

    @Override
    public void endpointDeactivation(MessageEndpointFactory endpointFactory, ActivationSpec spec) {
    }

    /** Outbound recovery goes through ManagedConnectionFactory.createManagedConnection; nothing inbound. */
    @Override
    public XAResource[] getXAResources(ActivationSpec[] specs) {
        return new XAResource[0];
    }

    /** Equal when configured alike (the Connectors specification asks resource adapters for it). */
    @Override
    public boolean equals(Object o) {
        return o instanceof CairnResourceAdapter a && a.configuration().equals(configuration());
    }

    @Override
    public int hashCode() {
        return configuration().hashCode();
    }

    private java.util.List<Object> configuration() {
        return java.util.Arrays.asList(environmentName, additionalEnvironments, environmentHome, durability,
                isolationLevel, cacheSize, lockTimeout, checkpointKBytes, checkpointMinutes, archiveDirectory,
                logAutoRemove, backupRoot, failoverDirectory, failoverInterval, backupMaxRate, recovery,
                connectionWaitSeconds, startWaitSeconds);
    }

    // ---- configuration properties ----

    public String getEnvironmentName() {
        return environmentName;
    }

    public void setEnvironmentName(String environmentName) {
        this.environmentName = environmentName;
    }

    public String getAdditionalEnvironments() {
        return additionalEnvironments;
    }

    public void setAdditionalEnvironments(String additionalEnvironments) {
        this.additionalEnvironments = additionalEnvironments;
    }

    public String getEnvironmentHome() {
        return environmentHome;
    }

    public void setEnvironmentHome(String environmentHome) {
        this.environmentHome = environmentHome;
    }

    public String getDurability() {
        return durability;
    }

    public void setDurability(String durability) {
        this.durability = durability;
    }

    public String getIsolationLevel() {
        return isolationLevel;
    }

    public void setIsolationLevel(String isolationLevel) {
        this.isolationLevel = isolationLevel;
    }

    public String getCacheSize() {
        return cacheSize;
    }

    public void setCacheSize(String cacheSize) {
        this.cacheSize = cacheSize;
    }

    public String getLockTimeout() {
        return lockTimeout;
    }

    public void setLockTimeout(String lockTimeout) {
        this.lockTimeout = lockTimeout;
    }

    public String getCheckpointKBytes() {
        return checkpointKBytes;
    }

    public void setCheckpointKBytes(String checkpointKBytes) {
        this.checkpointKBytes = checkpointKBytes;
    }

    public String getCheckpointMinutes() {
        return checkpointMinutes;
    }

    public void setCheckpointMinutes(String checkpointMinutes) {
        this.checkpointMinutes = checkpointMinutes;
    }

    public String getArchiveDirectory() {
        return archiveDirectory;
    }

    public void setArchiveDirectory(String archiveDirectory) {
        this.archiveDirectory = archiveDirectory;
    }

    public String getLogAutoRemove() {
        return logAutoRemove;
    }

    public void setLogAutoRemove(String logAutoRemove) {
        this.logAutoRemove = logAutoRemove;
    }

    public String getBackupRoot() {
        return backupRoot;
    }

    public void setBackupRoot(String backupRoot) {
        this.backupRoot = backupRoot;
    }

    public String getFailoverDirectory() {
        return failoverDirectory;
    }

    public void setFailoverDirectory(String failoverDirectory) {
        this.failoverDirectory = failoverDirectory;
    }

    public String getFailoverInterval() {
        return failoverInterval;
    }

    public void setFailoverInterval(String failoverInterval) {
        this.failoverInterval = failoverInterval;
    }

    public String getBackupMaxRate() {
        return backupMaxRate;
    }

    public void setBackupMaxRate(String backupMaxRate) {
        this.backupMaxRate = backupMaxRate;
    }

    public String getRecovery() {
        return recovery;
    }

    public void setRecovery(String recovery) {
        this.recovery = recovery;
    }

    public String getConnectionWaitSeconds() {
        return connectionWaitSeconds;
    }

    public void setConnectionWaitSeconds(String connectionWaitSeconds) {
        this.connectionWaitSeconds = connectionWaitSeconds;
    }

    public String getStartWaitSeconds() {
        return startWaitSeconds;
    }

    public void setStartWaitSeconds(String startWaitSeconds) {
        this.startWaitSeconds = startWaitSeconds;
    }
}
