package org.cairndb;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The set-up of a test class that works in one environment: before each test it opens one with
 * {@link TestSupport#config()} in a fresh temporary directory and opens (creating) one database in
 * it; after, it closes whatever environment {@link #env} then is (a test may close it and open it
 * again). A subclass's own {@code @BeforeEach} runs after this one, with both open.
 */
public abstract class EnvironmentFixture {

    @TempDir
    protected Path dir;
    protected Environment env;
    protected Database db;

    @BeforeEach
    final void openEnvironment() {
        env = TestSupport.open(dir);
        db = env.openDatabase(databaseName());
    }

    @AfterEach
    final void closeEnvironment() {
        env.close();
    }

    /** The name of the database {@link #db}. */
    protected String databaseName() {
        return "t";
    }
}
