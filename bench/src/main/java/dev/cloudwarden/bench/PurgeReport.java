package dev.cloudwarden.bench;

import java.util.Locale;
import java.util.stream.Collectors;

/** The purge's section of BENCHMARKS.md, from what its harness measured ({@link BenchmarkReport} writes it). */
final class PurgeReport {

    private static final double TARGET_SECONDS = 60;
    private static final double TARGET_P99_GROWTH = 0.20;

    private PurgeReport() {
    }

    static String render(PurgeResults r) {
        // the windows without the purge on either side of it: their mean is the baseline, their spread the machine's noise
        double baseline = (r.before().p99Millis() + r.after().p99Millis()) / 2;
        double noise = Math.abs(r.before().p99Millis() - r.after().p99Millis()) / baseline;
        double growth = r.during().p99Millis() / baseline - 1;
        StringBuilder md = new StringBuilder();
        md.append(BenchmarkReport.PURGE_HEADING).append("\n\n")
          .append("`PurgeHarness` (`bench/`) starts the server's context (no web server) on a fresh database and makes two tenants as\n")
          .append("sign-up does. The superuser then writes ").append(String.format(Locale.ROOT, "%,d", r.totalRows()))
          .append(" rows for the first (inventory, job runs and their results, activity events, accounts,\n")
          .append("jobs) and a tenth of that for its neighbour. ").append(r.readers())
          .append(" threads read the neighbour at ").append(String.format(Locale.ROOT, "%,d", r.rate()))
          .append(" requests per second in all (an open loop: each request has its planned time and is\n")
          .append("timed from it, so a stall is not hidden; a warm-up is not counted), each request a transaction of the\n")
          .append("neighbour's through the platform's transaction manager (row-level security, the runtime role): a page of its inventory,\n")
          .append("a job's runs or a page of its activity history. They read for a while alone (**before**), then while the first tenant\n")
          .append("is terminated, moved past its window and purged through `TenantPurge`, ").append(r.batch())
          .append(" rows per transaction, working ").append(String.format(Locale.ROOT, "%.0f %%", r.pace() * 100))
          .append(" of the time and resting the rest\n(`cloudwarden.lifecycle.purge-pace`) (**during**), then alone again (**after**). Afterwards no table of the catalog holds\n")
          .append("a row of the purged tenant.\n\n");
        String verdict = growth > TARGET_P99_GROWTH ? "**missed**"
                : noise > TARGET_P99_GROWTH ? "met, but within the noise (inconclusive)" : "met";
        md.append("| rows purged | purge | target | transactions | neighbour p99 before | during | after | during ÷ mean of before and after | target |\n")
          .append("|---:|---:|:---:|---:|---:|---:|---:|---:|:---:|\n")
          .append(String.format(Locale.ROOT, "| %,d | %.1f s | ≤ %.0f s: %s | %,d | %.2f ms | %.2f ms | %.2f ms | %+.0f %% | ≤ +%.0f %%: %s |%n",
                  r.totalRows(), r.purgeSeconds(), TARGET_SECONDS, r.purgeSeconds() <= TARGET_SECONDS ? "met" : "**missed**", r.steps(),
                  r.before().p99Millis(), r.during().p99Millis(), r.after().p99Millis(), growth * 100, TARGET_P99_GROWTH * 100, verdict));
        md.append(String.format(Locale.ROOT, "%nThe two windows without the purge differ by %.0f %% of their mean: that is this machine's noise for "
                + "the p99. A change smaller than the noise is not shown to be met, only not shown to be missed.%n", noise * 100));
        md.append("\n| neighbour's reads | requests | per second | p50 | p90 | p99 | max |\n|---|---:|---:|---:|---:|---:|---:|\n");
        for (var phase : new Object[][] {{"before", r.before()}, {"during the purge", r.during()}, {"after", r.after()}}) {
            PurgeResults.Load l = (PurgeResults.Load) phase[1];
            md.append(String.format(Locale.ROOT, "| %s | %,d | %.0f | %.2f ms | %.2f ms | %.2f ms | %.1f ms |%n", phase[0], l.requests(),
                    l.perSecond(), l.p50Millis(), l.p90Millis(), l.p99Millis(), l.maxMillis()));
        }
        md.append("\n- **Rows by table** (the tombstone's counts): ").append(r.rows().entrySet().stream()
                  .map(e -> String.format(Locale.ROOT, "%s %,d", e.getKey(), e.getValue())).collect(Collectors.joining(", "))).append(".\n")
          .append(String.format(Locale.ROOT, "- **Where**: %s, %s, %d cores, %d GiB; %s, on the same cores as the harness; load average %.1f before, "
                          + "%.1f after; %s. Building the world took %.0f s.%n", r.cpu(), r.jdk(), r.cores(), r.memoryBytes() >> 30, r.postgres(),
                  r.loadAverageBefore(), r.loadAverageAfter(), r.date(), r.buildSeconds()));
        return md.toString();
    }
}
