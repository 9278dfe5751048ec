package dev.cloudwarden.bench;

import java.util.Map;

/**
 * What the purge harness ({@code dev.cloudwarden.lifecycle.internal.PurgeHarness}) measured, as it
 * writes it to JSON and {@link BenchmarkReport} reads it back. Times are seconds unless named millis.
 *
 * @param date, jdk, cpu, cores, memoryBytes, postgres where it ran
 * @param rows the purged tenant's rows, by table, as the tombstone counted them
 * @param batch rows per purge transaction ({@code cloudwarden.lifecycle.purge-batch})
 * @param pace the share of the time the purge works ({@code cloudwarden.lifecycle.purge-pace})
 * @param readers threads reading the other tenant
 * @param rate the requests per second they aim at together (an open loop: latency counts from each request's planned time)
 * @param purgeSeconds from the purge's start to its tombstone
 * @param steps the purge's transactions
 * @param before, during, after the other tenant's read latencies (millis: p50, p90, p99, max) and
 *        requests per second, without the purge, while it ran, and without it again
 */
public record PurgeResults(String date, String jdk, String cpu, int cores, long memoryBytes, String postgres, Map<String, Long> rows,
                           int batch, double pace, int readers, int rate, double buildSeconds, double purgeSeconds, long steps, Load before, Load during, Load after,
                           double loadAverageBefore, double loadAverageAfter) {

    /** One phase of the other tenant's reads. */
    public record Load(double seconds, long requests, double p50Millis, double p90Millis, double p99Millis, double maxMillis) {
        public double perSecond() {
            return requests / seconds;
        }
    }

    public long totalRows() {
        return rows.values().stream().mapToLong(Long::longValue).sum();
    }
}
