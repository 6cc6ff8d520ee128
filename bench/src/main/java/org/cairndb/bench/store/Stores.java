package org.cairndb.bench.store;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens a store by name. Berkeley DB in C is the one optional peer: its adapter is compiled only
 * where Debian's {@code libdb5.3-java} was installed at build time, and it needs {@code db.jar} on
 * the class path and {@code libdb_java-5.3.so} on the library path at run time. It is therefore
 * reached by reflection, so that nothing else depends on it being there.
 *
 * <p>{@code java -cp benchmarks.jar org.cairndb.bench.store.Stores} prints the stores usable here
 * (comma-separated, for {@code -p store=}), with a note on stderr for each one that is not.
 */
public final class Stores {

    /** Every store, in report order. */
    public static final List<String> ALL = List.of("cairn", "je", "bdbc", "h2", "derby", "rocksdb");

    private static final String BDBC_CLASS = "org.cairndb.bench.store.BdbCStore";

    private Stores() {
    }

    /** Opens (creating) the named store in {@code dir} with the given tables. */
    public static KvStore open(String name, Path dir, StoreConfig config, List<String> tables) {
        switch (name) {
            case "cairn":
                return new CairnStore(dir, config, tables);
            case "je":
                return new JeStore(dir, config, tables);
            case "h2":
                return new H2Store(dir, config, tables);
            case "derby":
                return new DerbyStore(dir, config, tables);
            case "rocksdb":
                return new RocksStore(dir, config, tables);
            case "bdbc":
                return openBdbC(dir, config, tables);
            default:
                throw new IllegalArgumentException("unknown store '" + name + "'; known: " + ALL);
        }
    }

    /** Null if the store can run here, else why not. */
    public static String unavailableReason(String name) {
        if (!name.equals("bdbc")) {
            return ALL.contains(name) ? null : "unknown store";
        }
        try {
            Class.forName(BDBC_CLASS);
        } catch (ClassNotFoundException e) {
            return "the Berkeley DB C adapter was not compiled (no /usr/share/java/db.jar when bench was built;"
                    + " apt-get install libdb5.3-java libdb5.3-java-jni and rebuild)";
        } catch (LinkageError e) {
            return "db.jar is not on the class path (" + e + ")";
        }
        try {
            System.loadLibrary("db_java-5.3");
        } catch (UnsatisfiedLinkError e) {
            return "libdb_java-5.3.so is not on java.library.path (apt-get install libdb5.3-java-jni)";
        }
        return null;
    }

    private static KvStore openBdbC(Path dir, StoreConfig config, List<String> tables) {
        String why = unavailableReason("bdbc");
        if (why != null) {
            throw new IllegalStateException("Berkeley DB C peer unavailable: " + why);
        }
        try {
            Constructor<?> c = Class.forName(BDBC_CLASS).getConstructor(Path.class, StoreConfig.class, List.class);
            return (KvStore) c.newInstance(dir, config, tables);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    public static void main(String[] args) {
        List<String> ok = new ArrayList<>();
        for (String s : ALL) {
            String why = unavailableReason(s);
            if (why == null) {
                ok.add(s);
            } else {
                System.err.println("note: skipping store '" + s + "': " + why);
            }
        }
        System.out.println(String.join(",", ok));
    }
}
