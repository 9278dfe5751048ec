package dev.cloudwarden.bench;

import java.util.List;
import java.util.Map;

/**
 * What the cloud inventory sync harness ({@code dev.cloudwarden.cloud.internal.CloudSyncHarness})
 * measured, as it writes it to JSON and {@link BenchmarkReport} reads it back: the one declaration
 * of that file's format. Times are seconds, sizes bytes.
 */
public record CloudSyncResults(Run run, World world, Solo solo, List<Pass> passes) {

    /**
     * Where and how: the date, JDK, machine, the harness JVM's heap limit and collector, and the
     * server's settings that bound a sync's throughput: the database pool, {@code sync-concurrency}
     * (accounts syncing at once) and the AWS HTTP client's connection limit.
     */
    public record Run(String date, String jdk, String cpu, int cores, long memoryBytes, String postgres, long heapLimitBytes,
                      String collectors, int poolSize, int syncConcurrency, int httpMaxConnections, double loadAverageBefore,
                      double loadAverageAfter, double setupSeconds, double totalSeconds) {
    }

    /**
     * The sandbox world and the platform's side of it: {@code tenants} × {@code accountsPerTenant}
     * accounts, each with its own simulated AWS account and role, {@code instancesPerRegion}
     * instances and {@code volumesPerRegion} volumes in each of {@code regions}, no snapshots.
     * Heap after a full GC with the server's context and the tenants only, and with the world built
     * and the accounts added (the sandbox lives in the harness JVM).
     */
    public record World(int tenants, int accountsPerTenant, List<String> regions, int instancesPerRegion, int volumesPerRegion,
                        long resources, double buildSeconds, long heapContextBytes, long heapWorldBytes) {

        public int accounts() {
            return tenants * accountsPerTenant;
        }
    }

    /**
     * One account synced alone, request to finish, {@code runs} times each (median) without and
     * with the injected latency, after {@code warmups} unmeasured ones; {@code calls} AWS calls per
     * sync ({@code callsByAction} of each action), {@code chain} of them one after the other
     * (AssumeRole, then a region's calls).
     */
    public record Solo(int warmups, int runs, double noLatencySeconds, double latencySeconds, long latencyMillis, int calls,
                       Map<String, Long> callsByAction, int chain) {
    }

    /**
     * Every account synced at once: requests from one thread per tenant, wall time from the first
     * request until none is running (or, when some never finish, until the last one that did). {@code calls}: AWS calls the sandbox answered during the pass,
     * by action; {@code longestChain}: the most calls one sync made one after the other (AssumeRole
     * plus its busiest region). Heap: the harness JVM's, after a full GC before the pass, the sum of
     * the heap pools' peaks during it (each pool's own peak; they need not coincide, so an upper
     * bound), the highest total sampled every 5 ms (both with garbage not yet collected), the highest
     * left right after any collection during it, and after a full GC after it. {@code accountSeconds}:
     * percentiles of each account's time from its request to its finish (queueing included).
     * {@code failures}: how the failed ones ended (their status and code, or the request's refusal);
     * {@code serverWarnings}: what the sync logged at WARN meanwhile, by message.
     */
    public record Pass(long latencyMillis, int accounts, int succeeded, int failed, Map<String, Integer> failures, double requestSeconds,
                       double wallSeconds, long calls, long callErrors, Map<String, Long> callsByAction, int longestChain,
                       long rows, long rowsExpected, Map<String, Double> accountSeconds, long heapBeforeBytes, long heapPeakPoolsBytes,
                       long heapPeakSampledBytes, long heapPeakAfterGcBytes, long heapAfterBytes, long gcCount, long gcMillis, double cpuSeconds,
                       Map<String, Integer> serverWarnings) {

        /** The same calls one after the other, the injected latency only. */
        public double sequentialSeconds() {
            return calls * latencyMillis / 1000.0;
        }

        /** The longest single account's chain of calls one after the other, the injected latency only. */
        public double floorSeconds() {
            return longestChain * latencyMillis / 1000.0;
        }

        public boolean rowsMatch() {
            return rows == rowsExpected;
        }
    }
}
