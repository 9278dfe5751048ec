package dev.cloudwarden.bench;

import java.util.Locale;
import java.util.stream.Collectors;

/** The job sweep's section of BENCHMARKS.md, from what its harness measured ({@link BenchmarkReport} writes it). */
final class JobSweepReport {

    private static final double TARGET_SECONDS = 60;

    private JobSweepReport() {
    }

    static String render(JobSweepResults r) {
        int accounts = r.tenants() * r.accountsPerTenant();
        double overheadMillis = (r.sweepSeconds() - r.bareSeconds()) * r.threads() / Math.max(1, r.runs()) * 1000;
        StringBuilder md = new StringBuilder();
        md.append(BenchmarkReport.JOBS_HEADING).append("\n\n")
          .append("`JobSweepHarness` (`bench/`) starts the sandbox AWS and the server's context (no web server) on a fresh database, as\n")
          .append("the cloud sync harness does, with the server's clock in the harness's hands. It makes ")
          .append(String.format(Locale.ROOT, "%,d tenants × %,d accounts", r.tenants(), r.accountsPerTenant()))
          .append(", each its own\nsimulated AWS account whose role carries the setup page's policy, with ").append(r.instancesPerAccount())
          .append(" instances in `us-east-1` (half tagged `env=dev`), and one\n`start_instances` job per account selecting `env=dev`, scheduled daily at the same minute. The sandbox sleeps ")
          .append(r.latencyMillis()).append(" ms\nbefore answering each call. First a **bare loop**: every account's same three calls (AssumeRole, DescribeInstances,\n")
          .append("StopInstances) on ").append(r.threads()).append(" virtual threads, with no scheduler, database or activity history; it leaves the dev instances\n")
          .append("stopped. Then the clock is brought to the scheduled minute and the **sweep** is timed until every run has ended: each\n")
          .append("run is a db-scheduler execution that checks its job, opens its own STS session, starts its account's dev instances,\n")
          .append("and records its start, a result and an activity event per instance, and its end. Afterwards every instance is running.\n\n");
        md.append("| accounts | runs succeeded | sweep | target | bare loop, same calls and concurrency | sweep ÷ bare | sequential: calls × latency |\n")
          .append("|---:|---:|---:|:---:|---:|---:|---:|\n")
          .append(String.format(Locale.ROOT, "| %,d | %,d of %,d | %.1f s | ≤ %.0f s: %s | %.1f s | %.2f | %,.0f s |%n", accounts, r.succeeded(),
                  r.runs(), r.sweepSeconds(), TARGET_SECONDS, r.sweepSeconds() <= TARGET_SECONDS ? "met" : "**missed**", r.bareSeconds(),
                  r.sweepSeconds() / r.bareSeconds(), r.sequentialSeconds()));
        md.append("\n- **Scheduler and platform overhead per run**: ").append(String.format(Locale.ROOT, "%.0f ms", overheadMillis))
          .append(" of a run slot beyond the bare calls ((sweep − bare) × ").append(r.threads())
          .append(" slots ÷ runs): the scheduler's\n  polling, picking and completing, the run's checks, its two transactions (its start; its results, events and end) and its activity events.\n")
          .append("- **A run's own time** (started to finished): ")
          .append(r.runSeconds().entrySet().stream().map(e -> String.format(Locale.ROOT, "%s %.2f s", e.getKey(), e.getValue()))
                  .collect(Collectors.joining(", ")))
          .append(". The scheduler polls every 5 s, so the sweep starts up to 5 s after the minute.\n")
          .append("- **AWS calls during the sweep**: ").append(r.calls().entrySet().stream()
                  .map(e -> String.format(Locale.ROOT, "%s %,d", e.getKey(), e.getValue())).collect(Collectors.joining(", "))).append(".\n")
          .append(String.format(Locale.ROOT, "- **Memory and CPU**: peak heap %d MiB (garbage included; %d MiB after a full GC afterwards, the sandbox's "
                          + "world\n  included); the harness JVM used %.0f s of CPU during the sweep, %.2f of the %d cores throughout, and it holds the\n"
                          + "  sandbox AWS that answers and checks every call as well as the platform; PostgreSQL, on the same cores, is not counted.%n",
                  HarnessSupport.mib(r.heapPeakBytes()), HarnessSupport.mib(r.heapAfterBytes()), r.cpuSeconds(), r.cpuSeconds() / r.sweepSeconds(),
                  r.cores()))
          .append(String.format(Locale.ROOT, "- **Settings**: `db-scheduler.threads=%d` (runs at once on the node), `cloudwarden.jobs.per-tenant=%d`, "
                          + "a pool of %d connections\n  (a quarter for the runs' transactions), %d HTTP connections to AWS. The shipped default is 16 "
                          + "threads: raise it for\n  fleets of this size.%n",
                  r.threads(), r.perTenant(), r.poolSize(), r.httpMaxConnections()))
          .append(String.format(Locale.ROOT, "- **Where**: %s, %s, %d cores, %d GiB; %s; heap limit %d MiB; load average %.1f before, %.1f after; %s.%n",
                  r.cpu(), r.jdk(), r.cores(), r.memoryBytes() >> 30, r.postgres(), HarnessSupport.mib(r.heapLimitBytes()),
                  r.loadAverageBefore(), r.loadAverageAfter(), r.date()))
          .append(String.format(Locale.ROOT, "- Building the world (tenants, accounts and jobs through the platform's services) took %.0f s.%n",
                  r.buildSeconds()));
        return md.toString();
    }
}
