package dev.cloudwarden.bench;

import java.util.List;

/**
 * What the activity load harness ({@code dev.cloudwarden.activity.internal.ActivityLoadHarness})
 * measured, as it writes it to JSON and {@link BenchmarkReport} reads it back: the one declaration
 * of that file's format. Times are seconds, sizes bytes, rates per second.
 */
public record ActivityResults(Run run, List<Appends> appends, Verification verification, Export export) {

    /** Targets of issue #8 / SPEC §4, stated next to the figures. */
    public static final double SPREAD_TARGET = 5_000;
    public static final double SINGLE_TARGET = 1_000;
    public static final double OVERHEAD_TARGET = 1.5;
    public static final double VERIFY_TARGET = 100_000;

    /** Where and how: the date, JDK, machine, and the durations used. */
    public record Run(String date, String jdk, String cpu, int cores, long memoryBytes, String postgres, String synchronousCommit,
                      long heapLimitBytes, double warmupSeconds, double measureSeconds, double loadAverageBefore, double loadAverageAfter,
                      double totalSeconds) {
    }

    /**
     * One load point: {@code tenants} chains (1 or 100), {@code threads} appending, real appends
     * through {@code ActivityLog.record} against plain INSERTs of the same rows, back to back.
     * With one thread the figures are latencies in disguise (1 / rate). The CPU figures are the
     * harness JVM's (the server's side of each operation; PostgreSQL's is not in them), per operation.
     */
    public record Appends(int tenants, int threads, double realPerSecond, double plainPerSecond, double realCpuMicros,
                          double plainCpuMicros, long realErrors, long plainErrors) {

        public double overhead() {
            return plainPerSecond / realPerSecond;
        }

        public double target() {
            return tenants == 1 ? SINGLE_TARGET : SPREAD_TARGET;
        }
    }

    /**
     * A synthetic export of {@code events} events with a digest every {@code digestEvery}, checked by
     * the verifier in this JVM and by the standalone jar in a fresh one, against sha256sum of the file.
     */
    public record Verification(long events, int digests, int digestEvery, long fileBytes, double sha256Seconds,
                               double inProcessSeconds, double jarSeconds, boolean inProcessOk, boolean jarOk) {
    }

    /**
     * {@code events} chained events of one tenant loaded straight into the tables, then exported
     * through {@code ActivityReader.export} into a file and verified. Heap figures (the whole JVM,
     * server context included, capped at {@link Run#heapLimitBytes}): after a full GC before the
     * export, the peak sampled during it (garbage included), after a full GC after it.
     * {@code appendChainEvents}: the single tenant's chain after the append runs, exported and
     * verified the same way (the appends made one valid chain).
     */
    public record Export(long events, double loadSeconds, double exportSeconds, long fileBytes,
                         long heapBeforeBytes, long heapPeakBytes, long heapAfterBytes, double verifySeconds, boolean verified, String verifierMessage,
                         long appendChainEvents, boolean appendChainVerified) {
    }
}
