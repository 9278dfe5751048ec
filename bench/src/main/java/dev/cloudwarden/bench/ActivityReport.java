package dev.cloudwarden.bench;

import java.util.Locale;

/** The activity history's section of BENCHMARKS.md, from what the load harness measured ({@link BenchmarkReport} writes it). */
final class ActivityReport {

    private ActivityReport() {
    }

    static String render(ActivityResults r) {
        ActivityResults.Run run = r.run();
        StringBuilder md = new StringBuilder();
        md.append(BenchmarkReport.ACTIVITY_HEADING).append("\n\n")
          .append("`ActivityLoadHarness` (`bench/`; not JMH, since it needs the server's Spring context and PostgreSQL) starts the\n")
          .append("server's application context without the web server against a fresh database of its own (created and migrated\n")
          .append("by the dev bootstrap, with the real owner and runtime roles; dropped afterwards) and creates 100 tenants with keys\n")
          .append("as sign-up does. Then:\n\n")
          .append("- **Appends**: threads append for ").append(num(run.measureSeconds())).append(" s per point after a ")
          .append(num(run.warmupSeconds())).append(" s warm-up, each event in a transaction of its own with\n")
          .append("  the tenant in scope, through `ActivityLog.record` — the real path: the chain head's row lock, the tenant's HMAC\n")
          .append("  of one detail value, SHA-256 over the canonical encoding, the insert and the head update, the commit. Events carry\n")
          .append("  a client address and user agent, as API-made ones do. Spread over the 100 tenants at random, or all on one.\n")
          .append("  **Plain INSERTs**, run right after each point under the same load: the same rows (same columns and sizes), one\n")
          .append("  per transaction, into a copy of the events table (`like activity_events including all`: the same indexes and\n")
          .append("  checks) with the same RLS policy, as the runtime role — no head lock, no hash, no HMAC. Overhead = plain\n")
          .append("  INSERTs/s ÷ appends/s.\n")
          .append("- **Verification**: a synthetic export of ").append(count(r.verification().events())).append(" events (")
          .append(mb(r.verification().fileBytes()))
          .append("; chain made by `Event.linkedTo`, a digest every\n  ").append(count(r.verification().digestEvery()))
          .append(" events signed with a JDK Ed25519 key) checked by `ExportVerifier` in the harness JVM and by the standalone\n")
          .append("  `cloudwarden-audit-verify.jar` in a fresh JVM (its start-up included), against `sha256sum` over the same file as\n")
          .append("  the floor.\n")
          .append("- **Export**: ").append(count(r.export().events()))
          .append(" chained events of one tenant written straight into the tables (chain computed in Java,\n")
          .append("  COPY as the superuser, a digest every 10,000 events signed by the server's key), then streamed by\n")
          .append("  `ActivityReader.export` (behind `GET /api/v1/activity/export`) into a file, and that file checked by the verifier.\n\n");

        md.append("| tenants | threads | appends/s | plain INSERTs/s | overhead | target appends/s | target overhead ≤ ")
          .append(num(ActivityResults.OVERHEAD_TARGET)).append("x | JVM CPU µs per append / INSERT |\n")
          .append("|--------:|--------:|----------:|----------------:|---------:|:-----------------|:---------------------|")
          .append("-------------------------------:|\n");
        ActivityResults.Appends oneThread = null;
        for (ActivityResults.Appends a : r.appends()) {
            if (a.threads() == 1) {
                oneThread = a;
            }
            String rateTarget = a.threads() == 1 ? "–" : "≥ " + count((long) a.target()) + ": " + verdict(a.realPerSecond() >= a.target());
            String overheadTarget = a.threads() == 1 ? "–" : verdict(a.overhead() <= ActivityResults.OVERHEAD_TARGET);
            md.append(String.format(Locale.ROOT, "| %d | %d | %s | %s | %.2fx | %s | %s | %.0f / %.0f |%n", a.tenants(), a.threads(),
                    count(Math.round(a.realPerSecond())), count(Math.round(a.plainPerSecond())), a.overhead(), rateTarget, overheadTarget,
                    a.realCpuMicros(), a.plainCpuMicros()));
        }
        long errors = r.appends().stream().mapToLong(a -> a.realErrors() + a.plainErrors()).sum();
        md.append('\n');
        if (oneThread != null) {
            md.append(String.format(Locale.ROOT, "One thread: %.2f ms per append, %.2f ms per plain INSERT, each with its commit.%n",
                    1000 / oneThread.realPerSecond(), 1000 / oneThread.plainPerSecond()));
        }
        md.append("JVM CPU is the harness JVM's CPU time per operation (the server's side: Spring, the transaction, HMAC, hash, JDBC;\n")
          .append("PostgreSQL's own work on the same two cores is not in it).\n");
        md.append("One tenant's appends serialise on its chain head, whose row lock is held until the commit, so a single tenant\n")
          .append("gets at most one append per (head lock, insert, commit with its WAL flush) however many threads append, while\n")
          .append("the plain INSERTs do not serialise: on one tenant the overhead grows with the threads by design.\n")
          .append(errors == 0 ? "No append or insert failed." : "**" + errors + " operations failed** (see the harness output).").append('\n');
        ActivityResults.Export e = r.export();
        md.append("After the runs the single tenant's chain (").append(count(e.appendChainEvents())).append(" events) was exported and ")
          .append(e.appendChainVerified() ? "verified: one gap-free chain." : "**did not verify**.").append("\n\n");

        ActivityResults.Verification v = r.verification();
        md.append("| verification of ").append(count(v.events())).append(" events | seconds | events/s | time ÷ sha256sum's | target ≥ ")
          .append(count((long) ActivityResults.VERIFY_TARGET)).append(" events/s |\n")
          .append("|:---------------------------------|--------:|---------:|-------------------:|:---------------------------|\n")
          .append(verifyRow("`sha256sum` of the file (the floor)", v.sha256Seconds(), v, true, "–"))
          .append(verifyRow("`ExportVerifier` in the harness JVM", v.inProcessSeconds(), v, v.inProcessOk(), null))
          .append(verifyRow("standalone jar, fresh JVM (start-up included)", v.jarSeconds(), v, v.jarOk(), null))
          .append('\n');

        md.append("| export of ").append(count(e.events())).append(" events | seconds | events/s | file | heap peak (cap ").append(mib(run.heapLimitBytes()))
          .append(") | heap after full GC, before / after | verified |\n")
          .append("|:-----------------------|--------:|---------:|-----:|----------------:|:-----------------------------------|:---------|\n")
          .append(String.format(Locale.ROOT, "| `ActivityReader.export` to a file | %.1f | %s | %s | %s | %s / %s | %s in %.1f s (%s events/s) |%n",
                  e.exportSeconds(), count(Math.round(e.events() / e.exportSeconds())), mb(e.fileBytes()), mib(e.heapPeakBytes()),
                  mib(e.heapBeforeBytes()), mib(e.heapAfterBytes()), e.verified() ? "OK" : "**FAILED**", e.verifySeconds(),
                  count(Math.round(e.events() / e.verifySeconds()))))
          .append('\n')
          .append("Heap figures are the harness's whole JVM, server context included (peak: sampled every 5 ms, garbage not yet\n")
          .append("collected included). ")
          .append(e.fileBytes() > run.heapLimitBytes()
                  ? String.format(Locale.ROOT, "The export file is %.1f times the heap cap, so it cannot have been held in memory: it streams.%n",
                          (double) e.fileBytes() / run.heapLimitBytes())
                  : "The export file is smaller than the heap cap here, so this run does not show that it streams.\n")
          .append(String.format(Locale.ROOT, "Loading the chain (not part of the export) took %.1f s.%n%n", e.loadSeconds()));

        if (!"on".equals(run.synchronousCommit())) {
            md.append("**This run had `synchronous_commit = ").append(run.synchronousCommit())
              .append("`** (a diagnostic: commits did not wait for the WAL flush); the platform runs with `on`.\n\n");
        }
        md.append("The machine is small and shared (").append(run.cores()).append(" cores, noisy neighbours: system load average ")
          .append(String.format(Locale.ROOT, "%.2f", run.loadAverageBefore())).append(" when the harness\nstarted, ")
          .append(String.format(Locale.ROOT, "%.2f", run.loadAverageAfter()))
          .append(" when it ended), so absolute figures move from run to run; compare the ratios, each measured back to\n")
          .append("back in the same run.\nDate: ").append(run.date()).append(". JDK: ").append(run.jdk()).append(". Machine: ")
          .append(run.cores()).append(" × ").append(run.cpu()).append(", ").append(Math.round(run.memoryBytes() / (1024.0 * 1024 * 1024)))
          .append(" GiB, ").append(run.postgres()).append(", synchronous_commit ").append(run.synchronousCommit()).append('.')
          .append(String.format(Locale.ROOT, " The harness ran %.0f s.%n", run.totalSeconds()));
        return md.toString();
    }

    private static String verifyRow(String what, double seconds, ActivityResults.Verification v, boolean ok, String target) {
        double rate = v.events() / seconds;
        String verdict = !ok ? "**did not verify**" : target != null ? target : verdict(rate >= ActivityResults.VERIFY_TARGET);
        return String.format(Locale.ROOT, "| %s | %.2f | %s | %.1f | %s |%n", what, seconds, count(Math.round(rate)), seconds / v.sha256Seconds(), verdict);
    }

    private static String verdict(boolean met) {
        return met ? "met" : "**not met**";
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static String num(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%,.0f MB", bytes / 1e6);
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%d MiB", bytes / (1024 * 1024));
    }
}
