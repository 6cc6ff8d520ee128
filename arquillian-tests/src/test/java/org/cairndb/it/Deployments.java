package org.cairndb.it;

import java.io.File;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.importer.ZipImporter;
import org.jboss.shrinkwrap.api.spec.ResourceAdapterArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/** The deployments: the real cairn.rar as built, and small web applications that use it. */
public final class Deployments {

    private Deployments() {
    }

    /** cairn.rar exactly as the rar module built it (the build copies it to target/deployments). */
    public static ResourceAdapterArchive rar() {
        File file = new File(System.getProperty("cairn.rar"));
        return ShrinkWrap.create(ZipImporter.class, "cairn.rar").importFrom(file).as(ResourceAdapterArchive.class);
    }

    /** A web application that sees the adapter's classes (Dependencies: deployment.cairn.rar). */
    public static WebArchive war(String name, Class<?>... classes) {
        return ShrinkWrap.create(WebArchive.class, name + ".war")
                .addClasses(classes)
                .setManifest(new StringAsset("Manifest-Version: 1.0\nDependencies: deployment.cairn.rar\n"));
    }

    /** A deployable H2 XA datasource ({@code WEB-INF/<pool>-ds.xml}) through WildFly's bundled H2 driver. */
    public static WebArchive withH2(WebArchive war, String pool, String url) {
        String xml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <datasources xmlns="http://www.jboss.org/ironjacamar/schema">
                  <xa-datasource jndi-name="java:jboss/datasources/%1$s" pool-name="%1$s" enabled="true">
                    <xa-datasource-property name="URL">%2$s</xa-datasource-property>
                    <driver>h2</driver>
                    <xa-pool>
                      <min-pool-size>0</min-pool-size>
                      <max-pool-size>64</max-pool-size>
                    </xa-pool>
                    <security>
                      <user-name>sa</user-name>
                      <password>sa</password>
                    </security>
                  </xa-datasource>
                </datasources>
                """.formatted(pool, url);
        return war.addAsWebInfResource(new StringAsset(xml), pool.toLowerCase(java.util.Locale.ROOT) + "-ds.xml");
    }
}
