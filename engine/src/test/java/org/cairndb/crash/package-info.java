/**
 * Crash, power-loss, corruption and full-disk tests of the engine. They prove that nothing
 * committed is lost and that errors name the problem.
 *
 * <ul>
 * <li>{@link org.cairndb.io.FaultInjectingFileIO} (beside the engine's {@code io} package) simulates
 * power loss (unforced writes and unsynced directory changes undone, one write torn), a full disk
 * and failing forces.</li>
 * <li>{@code PowerLossTest}: bank transfers from several threads, power failing at random moments
 * (after acknowledgements, after n file operations, in data page, header and log writes, during
 * recovery); SYNC keeps every acknowledged transfer, WRITE_NO_SYNC/NO_SYNC stay atomic and
 * prefix-consistent; database creation and removal.</li>
 * <li>{@code SigkillTest}: a child JVM ({@code TransferChild}) killed with SIGKILL, 20+ rounds on one
 * environment, with prepared transactions restored in doubt with their locks.</li>
 * <li>{@code PreparedRecoveryTest}: prepared transactions across crashes and checkpoints.</li>
 * <li>{@code CorruptionTest}: damaged, missing and foreign log segments and data files.</li>
 * <li>{@code DiskFullTest}: ENOSPC and EIO in commits and checkpoints.</li>
 * <li>{@code NotDurableTest}: atomicity of NOT_DURABLE transactions.</li>
 * </ul>
 *
 * Randomized tests print their seed ({@code [crash-test] ... seed N}); repeat one with
 * {@code ./mvnw -pl engine test -Dtest=PowerLossTest -Dcairn.crash.seed=N} (thread timing aside), and
 * change its number of rounds with {@code -Dcairn.crash.rounds=R}. A failing SIGKILL or power-loss
 * round copies its environment to {@code engine/target/crash-failures/}. With
 * {@code -Dcairn.crash.keepDirs=true} the database creation rounds of {@code PowerLossTest} also let
 * unsynced directory changes survive (off by default until the engine copes with an empty data file
 * left by a creation cut short, which {@code aDataFileWhoseCreationWasCutShortDoesNotBlockRecovery}
 * shows).
 */
package org.cairndb.crash;
