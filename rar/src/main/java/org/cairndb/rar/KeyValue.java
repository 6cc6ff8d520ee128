package org.cairndb.rar;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** One record of a {@link CairnConnection#scan}: a key and its value (the arrays are the caller's). */
public record KeyValue(byte[] key, byte[] value) implements Serializable {

    /** The key as UTF-8 text. */
    public String keyString() {
        return new String(key, StandardCharsets.UTF_8);
    }

    /** The value as UTF-8 text. */
    public String valueString() {
        return new String(value, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyValue kv && Arrays.equals(key, kv.key) && Arrays.equals(value, kv.value);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(key) + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return keyString() + "=" + valueString();
    }
}
