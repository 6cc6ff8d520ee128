package org.cairndb.rar;

import jakarta.resource.spi.ManagedConnectionMetaData;

/** What a managed connection says about the store behind it. */
final class CairnConnectionMetaData implements ManagedConnectionMetaData {

    private final String environment;

    CairnConnectionMetaData(String environment) {
        this.environment = environment;
    }

    @Override
    public String getEISProductName() {
        return "Cairn";
    }

    @Override
    public String getEISProductVersion() {
        String v = CairnConnectionMetaData.class.getPackage().getImplementationVersion();
        return v != null ? v : "development";
    }

    /** No limit of Cairn's own. */
    @Override
    public int getMaxConnections() {
        return 0;
    }

    /** Cairn has no users; the environment name stands in. */
    @Override
    public String getUserName() {
        return environment;
    }
}
