package org.cairndb.rar;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every adapter test starts from and cleans up: a temporary directory, a bootstrap context
 * standing in for the server's, and the adapter a test starts on it (stopped after the test, with
 * any Work the test held back let go first, so that nothing is left running or registered).
 */
abstract class AdapterFixture {

    @TempDir
    Path dir;

    TestBootstrapContext ctx;
    CairnResourceAdapter ra;

    @BeforeEach
    void newBootstrapContext() {
        ctx = new TestBootstrapContext();
    }

    @AfterEach
    void stopAdapterAndContext() throws Exception {
        if (ctx.holdWork != null) {
            ctx.holdWork.countDown();
        }
        if (ra != null) {
            ra.stop();
        }
        ctx.close();
    }
}
