package dev.cloudwarden.bench;

import java.util.Map;

/**
 * What the job sweep harness ({@code dev.cloudwarden.cloud.internal.JobSweepHarness}) measured, as it
 * writes it to JSON and {@link BenchmarkReport} reads it back. Times are seconds, sizes bytes.
 *
 * @param date, jdk, cpu, cores, memoryBytes, postgres, heapLimitBytes where it ran
 * @param tenants, accountsPerTenant, instancesPerAccount the world: every account its own simulated AWS
 *        account with its role, half its instances tagged {@code env=dev}, one start_instances job each,
 *        all due at the same scheduled minute
 * @param threads, perTenant, poolSize, httpMaxConnections the server's settings that bound the sweep
 * @param latencyMillis injected on every AWS call of both passes
 * @param bareSeconds the same calls for every account (AssumeRole, DescribeInstances, StopInstances)
 *        on {@code threads} virtual threads, without scheduler, database or activity history
 * @param sweepSeconds from the moment the scheduled minute came until every run had ended
 * @param runs, succeeded, failed the runs the sweep recorded, and how they ended
 * @param calls the AWS calls the sandbox answered during the sweep, by action
 * @param runSeconds percentiles of each run's own time (started to finished)
 * @param heapPeakBytes the highest heap sampled during the sweep (garbage included); heapAfterBytes after a full GC
 * @param cpuSeconds the harness JVM's CPU time during the sweep (PostgreSQL is not counted)
 * @param sequentialSeconds the calls one after the other at the injected latency: runs × calls per run × latency
 */
public record JobSweepResults(String date, String jdk, String cpu, int cores, long memoryBytes, String postgres, long heapLimitBytes,
                              int tenants, int accountsPerTenant, int instancesPerAccount, int threads, int perTenant, int poolSize,
                              int httpMaxConnections, long latencyMillis, double buildSeconds, double bareSeconds, double sweepSeconds,
                              int runs, int succeeded, int failed, Map<String, Long> calls, Map<String, Double> runSeconds, long heapPeakBytes,
                              long heapAfterBytes, double cpuSeconds, double sequentialSeconds, double loadAverageBefore, double loadAverageAfter) {
}
