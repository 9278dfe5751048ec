package dev.cloudwarden.bench;

import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** The cloud inventory sync's section of BENCHMARKS.md, from what its harness measured ({@link BenchmarkReport} writes it). */
final class CloudReport {

    private CloudReport() {
    }

    static String render(CloudSyncResults r) {
        CloudSyncResults.Run run = r.run();
        CloudSyncResults.World w = r.world();
        CloudSyncResults.Solo solo = r.solo();
        StringBuilder md = new StringBuilder();
        md.append(BenchmarkReport.CLOUD_HEADING).append("\n\n")
          .append("`CloudSyncHarness` (`bench/`; not JMH: it needs the server's Spring context, PostgreSQL and the sandbox AWS) starts\n")
          .append("the sandbox AWS (`cloud-sim`, plain HTTP on 127.0.0.1) inside the harness's JVM, then the server's application context\n")
          .append("without the web server against a fresh database of its own (created and migrated by the dev bootstrap, dropped\n")
          .append("afterwards), pointed at that sandbox as it would be at AWS: `cloudwarden.cloud.endpoint`, the platform's principal,\n")
          .append("and the platform's key from the SDK's default provider chain. It makes ").append(count(w.tenants()))
          .append(" tenants as sign-up does, and for each\n")
          .append(count(w.accountsPerTenant())).append(" accounts: each its own simulated AWS account holding the role the setup page's template makes\n")
          .append("(trusting the platform's principal with that tenant's external ID, carrying the setup page's policy), ")
          .append(count(w.instancesPerRegion())).append(" instances\nand ").append(count(w.volumesPerRegion()))
          .append(" volumes in each of ").append(w.regions().stream().map(x -> "`" + x + "`").collect(Collectors.joining(" and ")))
          .append(", added through `CloudAccounts.create`: ").append(count(w.accounts())).append(" accounts, ")
          .append(count(w.resources())).append(" resources.\n")
          .append("The sandbox sleeps ").append(solo.latencyMillis()).append(" ms before answering each call. Then every account's sync is requested at once\n")
          .append("(`InventorySync.request` in the tenant's scope, one requesting thread per tenant; each sync opens its own STS\n")
          .append("session) and timed until none is running.\n\n");

        md.append("| latency per call | accounts synced | wall | AWS calls | sequential: calls × latency | wall ÷ sequential ")
          .append("| floor: longest chain × latency | wall ÷ floor | rows written |\n")
          .append("|---:|---:|---:|---:|---:|---:|---:|---:|:---|\n");
        for (CloudSyncResults.Pass p : r.passes()) {
            boolean latent = p.latencyMillis() > 0;
            md.append(String.format(Locale.ROOT, "| %d ms | %s of %s | %.1f s | %s | %s | %s | %s | %s | %s |%n", p.latencyMillis(),
                    count(p.succeeded()), count(p.accounts()), p.wallSeconds(), count(p.calls()),
                    latent ? String.format(Locale.ROOT, "%,.0f s", p.sequentialSeconds()) : "–",
                    latent ? String.format(Locale.ROOT, "%.3f (%.1fx faster)", p.wallSeconds() / p.sequentialSeconds(),
                            p.sequentialSeconds() / p.wallSeconds()) : "–",
                    latent ? String.format(Locale.ROOT, "%.2f s (%d calls)", p.floorSeconds(), p.longestChain()) : "–",
                    latent ? String.format(Locale.ROOT, "%.0f", p.wallSeconds() / p.floorSeconds()) : "–",
                    count(p.rows()) + (p.rowsMatch() ? ", as the world" : " **of " + count(p.rowsExpected()) + "**")));
        }
        md.append('\n');

        for (CloudSyncResults.Pass p : r.passes()) {
            double cpuFloor = p.cpuSeconds() / run.cores();
            long waves = (p.accounts() + run.syncConcurrency() - 1) / run.syncConcurrency();
            md.append(String.format(Locale.ROOT, "**%d ms per call, what else bounds it:**%n%n", p.latencyMillis()))
              .append("| bound | seconds | wall ÷ bound |\n|:---|---:|---:|\n");
            if (p.latencyMillis() > 0) {
                double withOverhead = p.sequentialSeconds() + p.accounts() * solo.noLatencySeconds();
                md.append(String.format(Locale.ROOT, "| one account after another: the calls' latency plus %s × one account synced alone without "
                                + "latency (%.0f ms) | %,.0f | %.3f |%n", count(p.accounts()), solo.noLatencySeconds() * 1000, withOverhead,
                        p.wallSeconds() / withOverhead))
                  .append(String.format(Locale.ROOT, "| the latency under `sync-concurrency` %d: %d waves × %d calls × %d ms | %.1f | %.1f |%n",
                          run.syncConcurrency(), waves, p.longestChain(), p.latencyMillis(),
                          waves * p.floorSeconds(), p.wallSeconds() / (waves * p.floorSeconds())));
            }
            md.append(String.format(Locale.ROOT, "| CPU: the harness JVM's CPU time (%.1f s) ÷ %d cores | %.1f | %.2f |%n", p.cpuSeconds(), run.cores(),
                    cpuFloor, p.wallSeconds() / cpuFloor))
              .append('\n');
            if (p.latencyMillis() > 0) {
                double latencyBound = waves * p.floorSeconds();
                md.append(cpuFloor > latencyBound
                        ? String.format(Locale.ROOT, "Here the CPU, not the latency, sets the pace: the JVM was busy %.0f%% of the wall time on its %d "
                                + "cores, and the CPU bound is %.1f times the latency bound.%n", 100 * cpuFloor / p.wallSeconds(), run.cores(),
                                cpuFloor / latencyBound)
                        : String.format(Locale.ROOT, "Here the latency under `sync-concurrency`, not the CPU, is the larger bound (%.1f s against "
                                + "%.1f s).%n", latencyBound, cpuFloor));
            }
            md.append(String.format(Locale.ROOT, "The %s requests were issued in %.2f s. From its request to its finish an account took %.1f s "
                              + "(median), %.1f s (p95), %.1f s at most. %s%s The JVM spent %.1f ms of CPU per account (sandbox included).%n%n",
                      count(p.accounts()), p.requestSeconds(), p.accountSeconds().getOrDefault("p50", 0.0),
                      p.accountSeconds().getOrDefault("p95", 0.0), p.accountSeconds().getOrDefault("max", 0.0),
                      p.callErrors() == 0 ? "No AWS call was refused or failed." : "**" + p.callErrors() + " AWS calls were refused or failed.**",
                      p.failed() == 0 ? " Every sync succeeded." : " **" + p.failed() + " syncs failed: " + failures(p.failures()) + ".**",
                      p.cpuSeconds() * 1000 / p.accounts()));
            if (p.failed() > 0) {
                md.append("A failed sync is one the server recorded as failed, or left running because it could not even record that")
                  .append(p.failures().keySet().stream().anyMatch(k -> k.startsWith("still running"))
                          ? " (the harness stops waiting when none has\nfinished for 20 s; the wall time then ends with the last one that did).\n" : ".\n");
            }
            if (!p.serverWarnings().isEmpty()) {
                md.append("The sync logged at WARN meanwhile: ").append(p.serverWarnings().entrySet().stream()
                        .map(e -> count(e.getValue()) + " × “" + e.getKey() + "”").collect(Collectors.joining(", "))).append(".\n\n");
            }
        }

        md.append(String.format(Locale.ROOT, "One account synced alone (request to finish, median of %d after %d warm-ups): %.0f ms without latency, "
                        + "%.0f ms with %d ms per call; %d calls (%s), %d of them one after the other.%n%n",
                solo.runs(), solo.warmups(), solo.noLatencySeconds() * 1000, solo.latencySeconds() * 1000, solo.latencyMillis(), solo.calls(),
                calls(solo.callsByAction()), solo.chain()));

        md.append("| heap of the harness JVM (cap ").append(mib(run.heapLimitBytes())).append(")")
          .append(r.passes().stream().map(p -> " | " + p.latencyMillis() + " ms pass").collect(Collectors.joining())).append(" |\n")
          .append("|:---").append(" |---:".repeat(r.passes().size())).append("|\n")
          .append(heapRow(r, "after a full GC before the syncs (context, tenants, sandbox world)", CloudSyncResults.Pass::heapBeforeBytes))
          .append(heapRow(r, "**peak during the syncs: the heap pools' peaks summed**", CloudSyncResults.Pass::heapPeakPoolsBytes))
          .append(heapRow(r, "peak during the syncs, sampled every 5 ms", CloudSyncResults.Pass::heapPeakSampledBytes))
          .append(heapRow(r, "highest left after a collection during the syncs", CloudSyncResults.Pass::heapPeakAfterGcBytes))
          .append(heapRow(r, "after a full GC after the syncs", CloudSyncResults.Pass::heapAfterBytes))
          .append(String.format(Locale.ROOT, "| collections during the syncs (%s) | %s |%n", run.collectors(),
                  r.passes().stream().map(p -> String.format(Locale.ROOT, "%d, %,d ms", p.gcCount(), p.gcMillis()))
                          .collect(Collectors.joining(" | "))))
          .append('\n')
          .append(String.format(Locale.ROOT, "After a full GC the server's context and the tenants took %s, and %s with the sandbox's world and the "
                        + "accounts added: the sandbox's %s resources live in the same JVM and are in every figure (%s).%n",
                mib(w.heapContextBytes()), mib(w.heapWorldBytes()), count(w.resources()), mib(w.heapWorldBytes() - w.heapContextBytes())))
          .append("A pool's peak counts garbage not yet collected, and the pools peak at different moments, so their sum bounds the\n")
          .append("peak from above and mostly shows how far the collector let the young generation grow under this cap; what the\n")
          .append("syncs keep is closer to the highest heap left after a collection, less the heap before")
          .append(r.passes().stream().map(p -> String.format(Locale.ROOT, " (%s at %d ms)",
                  mib(Math.max(0, p.heapPeakAfterGcBytes() - p.heapBeforeBytes())), p.latencyMillis())).collect(Collectors.joining(",")))
          .append(".\n\n");

        md.append("**What the figures include.** The wall time runs from the first request to the moment the harness saw no account\n")
          .append("running (it polls every 10 ms). It includes each request's transaction and event, loading each account's role and\n")
          .append("external ID (decrypted), the `AssumeRole`, the Describe calls with all their pages (regions at once) and the SDK's\n")
          .append("XML parsing of the answers, and the transaction that replaces the account's inventory rows and records the synced\n")
          .append("event. The sandbox's own work (signature checks, the XML it writes) runs in the same JVM on the same cores and is\n")
          .append("in the CPU figures. There is no network: the latency is a sleep in the sandbox before it answers, so real AWS\n")
          .append("adds its own variance (and throttling, which the sandbox does not do unless told). The sequential figure is the\n")
          .append("same calls' latency one after the other; the floor is the longest chain of calls one account must make one after\n")
          .append("the other (its `AssumeRole`, then its busiest region's Describe calls: regions run at once). The requests go to\n")
          .append("the service, not through the HTTP API: no sign-in, and no per-address `cloud-sessions` limit, which lets one\n")
          .append("client request far fewer syncs at once than this.\n");
        md.append(String.format(Locale.ROOT, "Server settings: `sync-concurrency` %d (accounts syncing at once on a node), AWS HTTP connections %d "
                        + "(8 regions × sync-concurrency + 16), database pool %d connections.%n%n",
                run.syncConcurrency(), run.httpMaxConnections(), run.poolSize()));

        md.append("The machine is small and shared (").append(run.cores()).append(" cores, noisy neighbours: system load average ")
          .append(String.format(Locale.ROOT, "%.2f", run.loadAverageBefore())).append(" when the harness\nstarted, ")
          .append(String.format(Locale.ROOT, "%.2f", run.loadAverageAfter()))
          .append(" when it ended), so absolute figures move from run to run; compare the ratios, each measured in the same run.\n")
          .append("Date: ").append(run.date()).append(". JDK: ").append(run.jdk()).append(". Machine: ")
          .append(run.cores()).append(" × ").append(run.cpu()).append(", ").append(Math.round(run.memoryBytes() / (1024.0 * 1024 * 1024)))
          .append(" GiB, ").append(run.postgres()).append('.')
          .append(String.format(Locale.ROOT, " The harness ran %.0f s (setting up the world: %.0f s).%n", run.totalSeconds(), run.setupSeconds()));
        return md.toString();
    }

    private static String heapRow(CloudSyncResults r, String what, java.util.function.ToLongFunction<CloudSyncResults.Pass> value) {
        return "| " + what + r.passes().stream().map(p -> " | " + mib(value.applyAsLong(p))).collect(Collectors.joining()) + " |\n";
    }

    /** Calls by action, e.g. "1 AssumeRole, 2 DescribeInstances". */
    private static String calls(Map<String, Long> byAction) {
        return byAction.entrySet().stream().map(e -> e.getValue() + " " + e.getKey().substring(e.getKey().indexOf(':') + 1))
                .collect(Collectors.joining(", "));
    }

    private static String failures(Map<String, Integer> failures) {
        return failures.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", "));
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%d MiB", bytes / (1024 * 1024));
    }
}
