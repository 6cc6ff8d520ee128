package org.cairndb;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole engine against a model ({@link ModelWorkload}): random transactions with keys and
 * values of every size, in a cache small enough that pages are evicted and read back all the time,
 * with checkpoints and reopenings in between, and some transactions prepared and completed later,
 * across reopenings too; after each phase every database is read back and compared with the model,
 * and the prepared transactions with the model's.
 */
class ModelTest {

    @TempDir
    Path dir;

    private static EnvironmentConfig config() {
        return new EnvironmentConfig().cacheSize(1L << 20).checkpointerEnabled(false).lockTimeout(Duration.ofSeconds(2))
                .pageReuseDelay(Duration.ZERO).logSegmentSize(256L << 10);
    }

    @Test
    void randomTransactionsMatchTheModelThroughCheckpointsAndReopening() {
        long seed = Long.getLong("cairn.model.seed", System.nanoTime());
        System.out.println("[model-test] seed " + seed + " (repeat with -Dcairn.model.seed=" + seed + ")");
        Random rnd = new Random(seed);
        ModelWorkload model = new ModelWorkload(true);
        Path home = dir.resolve("env");
        int phases = Integer.getInteger("cairn.model.phases", 12);
        for (int phase = 0; phase < phases; phase++) {
            String what = "seed " + seed + ", phase " + phase;
            try (Environment env = Environment.open(home, config())) {
                model.verify(env, rnd, what + ", after opening");
                int steps = 150 + rnd.nextInt(150);
                for (int i = 0; i < steps; i++) {
                    model.step(env, rnd, new ModelWorkload.Pending());
                    if (rnd.nextInt(60) == 0) {
                        env.checkpoint(rnd.nextBoolean());
                    }
                }
                model.verify(env, rnd, what + ", before closing");
                if (rnd.nextInt(3) == 0) {
                    // closed without a final checkpoint: the next open replays the log
                    env.internals().abandon();
                }
            }
        }
        System.out.println("[model-test] " + model.commits() + " commits, " + model.aborts() + " aborts, "
                + model.operations() + " operations; " + model.size("alpha") + " + " + model.size("beta") + " records");
    }
}
