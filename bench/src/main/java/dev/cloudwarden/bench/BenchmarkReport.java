package dev.cloudwarden.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one writer of BENCHMARKS.md: turns JMH's JSON results of {@code FieldCryptoBenchmark} and
 * {@code PasswordHasherBenchmark}, the activity load harness's {@link ActivityResults} and the
 * cloud inventory sync harness's {@link CloudSyncResults}, the job sweep harness's
 * {@link JobSweepResults} and the purge harness's {@link PurgeResults} into its generated sections. A part without fresh results is carried over
 * from the existing file, so {@code ./cloudwarden bench activity}, {@code cloud}, {@code jobs} and {@code purge}
 * refresh their own section alone. Everything from the {@link #KEPT} line on (sections written by
 * hand, such as measurements of a running server) is carried over as well.
 * Usage: {@code BenchmarkReport <BENCHMARKS.md> <jmh options used> [--activity=<activity.json>] [--cloud=<cloud-sync.json>]
 * [--jobs=<job-sweep.json>] [--purge=<purge.json>] [<jmh.json>...]}.
 */
public final class BenchmarkReport {

    private static final double TARGET = 3.0;
    static final String KEPT = "<!-- Sections below are written by hand; ./cloudwarden bench keeps them. -->";
    static final String ACTIVITY_HEADING = "## Activity history: appends, verification, export";
    static final String CLOUD_HEADING = "## Cloud inventory sync: every account at once";
    static final String JOBS_HEADING = "## Jobs: a scheduled sweep of every account";
    static final String PURGE_HEADING = "## Lifecycle: the purge of a large tenant beside a busy one";

    private record Score(double ns, double error) {
        String text() { // no error with a single iteration
            return text(0);
        }

        String text(int decimals) {
            String f = "%,." + decimals + "f";
            return Double.isNaN(error) ? String.format(Locale.ROOT, f, ns) : String.format(Locale.ROOT, f + " ± " + f, ns, error);
        }
    }

    public static void main(String[] args) throws Exception {
        JsonMapper json = JsonMapper.builder().build();
        List<String> jmhFiles = new ArrayList<>();
        ActivityResults activity = null;
        CloudSyncResults cloud = null;
        JobSweepResults jobs = null;
        PurgeResults purge = null;
        for (int i = 2; i < args.length; i++) {
            if (args[i].startsWith("--activity=")) {
                activity = json.readValue(Path.of(args[i].substring("--activity=".length())).toFile(), ActivityResults.class);
            } else if (args[i].startsWith("--jobs=")) {
                jobs = json.readValue(Path.of(args[i].substring("--jobs=".length())).toFile(), JobSweepResults.class);
            } else if (args[i].startsWith("--purge=")) {
                purge = json.readValue(Path.of(args[i].substring("--purge=".length())).toFile(), PurgeResults.class);
            } else if (args[i].startsWith("--cloud=")) {
                cloud = json.readValue(Path.of(args[i].substring("--cloud=".length())).toFile(), CloudSyncResults.class);
            } else {
                jmhFiles.add(args[i]);
            }
        }
        Path out = Path.of(args[0]);
        String previous = Files.exists(out) ? Files.readString(out) : "";
        int keptAt = previous.indexOf(KEPT);
        String generated = keptAt >= 0 ? previous.substring(0, keptAt) : previous;
        List<Integer> at = new ArrayList<>();
        for (String heading : List.of(ACTIVITY_HEADING, CLOUD_HEADING, JOBS_HEADING, PURGE_HEADING)) {
            at.add(generated.indexOf(heading));
        }
        int sectionsAt = at.stream().filter(i -> i >= 0).min(Integer::compare).orElse(-1);
        String jmhPart = jmhFiles.isEmpty() ? (sectionsAt >= 0 ? generated.substring(0, sectionsAt) : generated) : jmh(json, args[1], jmhFiles);
        if (jmhPart.isBlank()) {
            jmhPart = HEADER;
        }
        String activityPart = activity != null ? ActivityReport.render(activity) : section(generated, at.get(0), at);
        String cloudPart = cloud != null ? CloudReport.render(cloud) : section(generated, at.get(1), at);
        String jobsPart = jobs != null ? JobSweepReport.render(jobs) : section(generated, at.get(2), at);
        String purgePart = purge != null ? PurgeReport.render(purge) : section(generated, at.get(3), at);

        StringBuilder md = new StringBuilder(jmhPart.stripTrailing()).append("\n");
        for (String part : List.of(activityPart, cloudPart, jobsPart, purgePart)) {
            if (!part.isBlank()) {
                md.append('\n').append(part.stripTrailing()).append('\n');
            }
        }
        if (keptAt >= 0) {
            md.append('\n').append(previous.substring(keptAt));
        }
        Files.writeString(out, md.toString());
        System.out.print(md);
    }

    private static final String HEADER = "# Benchmarks\n\n"
            + "Generated by `./cloudwarden bench` (JMH, the activity load harness, the cloud inventory sync, job sweep and purge harnesses, `bench/`); "
            + "rerun it to refresh this file.\n";

    /** The existing section starting at {@code start} (empty when absent), up to the next generated section after it. */
    private static String section(String generated, int start, List<Integer> sections) {
        if (start < 0) {
            return "";
        }
        int end = sections.stream().filter(i -> i > start).min(Integer::compare).orElse(generated.length());
        return generated.substring(start, end);
    }

    /** The JMH sections, from the header to the line that ends them. */
    private static String jmh(JsonMapper json, String options, List<String> files) throws Exception {
        Map<Integer, Score> facade = new TreeMap<>();
        Map<Integer, Score> raw = new TreeMap<>();
        Map<String, Score> hashes = new TreeMap<>(); // "<threads> <implementation>" -> verifications/s
        String jdk = "";
        for (String file : files) {
            for (JsonNode r : json.readTree(Files.readString(Path.of(file)))) {
                String name = r.path("benchmark").asString();
                JsonNode metric = r.path("primaryMetric");
                jdk = r.path("vmName").asString() + " " + r.path("jdkVersion").asString();
                if (name.contains("PasswordHasherBenchmark")) {
                    if (!"ops/s".equals(metric.path("scoreUnit").asString())) {
                        throw new IllegalStateException("expected ops/s, got " + metric.path("scoreUnit").asString());
                    }
                    hashes.put(r.path("threads").asInt() + " " + r.path("params").path("implementation").asString(),
                            new Score(metric.path("score").asDouble(), Double.parseDouble(metric.path("scoreError").asString())));
                    continue;
                }
                int size = Integer.parseInt(r.path("params").path("size").asString());
                if (!"ns/op".equals(metric.path("scoreUnit").asString())) {
                    throw new IllegalStateException("expected ns/op, got " + metric.path("scoreUnit").asString());
                }
                // JMH writes an unknown error as the string "NaN"
                Score score = new Score(metric.path("score").asDouble(), Double.parseDouble(metric.path("scoreError").asString()));
                (name.endsWith(".facadeEncryptDecrypt") ? facade : raw).put(size, score);
            }
        }

        StringBuilder md = new StringBuilder();
        md.append(HEADER).append('\n')
          .append("## Field encryption: facade against raw JCE\n\n")
          .append("One encrypt followed by one decrypt of a random field value, per operation:\n\n")
          .append("- **facade**: `FieldCrypto.encrypt` + `decrypt` — tenant key lookup in the keyring's in-memory cache,\n")
          .append("  associated data (environment, tenant, table, column, row) built on each call, Tink AES-256-GCM\n")
          .append("  with its 5-byte key-id prefix. No database: the tenant's keys are already cached.\n")
          .append("- **raw JCE**: `javax.crypto` `AES/GCM/NoPadding`, 256-bit key, fresh random 12-byte IV per value,\n")
          .append("  the same associated data, no key lookup — the floor the facade is built on.\n\n")
          .append("The machine is small and shared (").append(Runtime.getRuntime().availableProcessors())
          .append(" cores, noisy neighbours), so the absolute times say\n")
          .append("nothing about production hardware. What counts is the **ratio** facade/raw, both measured in the\n")
          .append("same run, back to back for each size. Target: within ").append(fmt(TARGET)).append("x.\n\n")
          .append("| field size | facade ns/op | raw JCE ns/op | ratio facade/raw | target ").append(fmt(TARGET)).append("x |\n")
          .append("|-----------:|-------------:|--------------:|-----------------:|:---------:|\n");
        for (Map.Entry<Integer, Score> e : facade.entrySet()) {
            Score f = e.getValue();
            Score r = raw.get(e.getKey());
            if (r == null) {
                continue; // a run restricted to the facade
            }
            double ratio = f.ns() / r.ns();
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %.2f | %s |%n",
                    size(e.getKey()), f.text(), r.text(), ratio, ratio <= TARGET ? "met" : "**missed**"));
        }
        if (!hashes.isEmpty()) {
            md.append("\n## Password hashing: native libargon2 against pure-Java BouncyCastle\n\n")
              .append("One Argon2id verification through `PasswordHasher` at the production parameters (m = 19 MiB,\n")
              .append("t = 2, p = 1), per operation, on 1 and on 2 threads (the hashing limiter at its default, one slot\n")
              .append("per processor). **native**: Debian's `libargon2-1` through JNA, what the server uses where the\n")
              .append("library is installed; **java**: BouncyCastle, the fallback. Same run, back to back. A fresh JVM\n")
              .append("sometimes runs BouncyCastle's Argon2 at about half speed for its whole life (a JIT effect), so\n")
              .append("compare several runs before trusting one java figure.\n\n")
              .append("| threads | native verifications/s | java verifications/s | ratio native/java |\n")
              .append("|--------:|-----------------------:|---------------------:|------------------:|\n");
            for (String threads : hashes.keySet().stream().map(k -> k.split(" ")[0]).distinct().sorted().toList()) {
                Score n = hashes.get(threads + " native");
                Score j = hashes.get(threads + " java");
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s |%n", threads, n == null ? "–" : n.text(1),
                        j == null ? "–" : j.text(1), n == null || j == null ? "–" : String.format(Locale.ROOT, "%.2f", n.ns() / j.ns())));
            }
        }
        md.append("\n± is JMH's 99.9% confidence interval. Date: ").append(LocalDate.now())
          .append(". JDK: ").append(jdk.trim()).append(". JMH options: `").append(options).append("`.\n");
        return md.toString();
    }

    private static String size(int bytes) {
        return bytes >= 1024 && bytes % 1024 == 0 ? bytes / 1024 + " KiB" : bytes + " B";
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }
}
