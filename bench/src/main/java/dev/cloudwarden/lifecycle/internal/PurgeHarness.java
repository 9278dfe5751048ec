package dev.cloudwarden.lifecycle.internal;

import static dev.cloudwarden.bench.HarnessSupport.seconds;
import static dev.cloudwarden.bench.HarnessSupport.serverValue;

import dev.cloudwarden.CloudwardenApplication;
import dev.cloudwarden.bench.HarnessSupport;
import dev.cloudwarden.bench.PurgeResults;
import dev.cloudwarden.tenancy.TenantContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * The purge of a large tenant while another tenant is being read, run by {@code ./cloudwarden bench
 * purge} (and by {@code ./cloudwarden bench}); a benchmark, not a test: no timing is asserted. It
 * starts the server's context without the web server on a fresh database of its own
 * ({@value #DATABASE}), then:
 * <ol>
 * <li><b>world</b>: the victim, a tenant made as sign-up makes one, given {@code rows} rows (1,000,000
 * by default) across the tables a customer fills (cloud accounts and their inventory, jobs, runs and
 * their results, activity events), written in bulk by the superuser; and the neighbour, a tenant with a
 * tenth of that;</li>
 * <li><b>before</b>: after a warm-up of {@code warmup} seconds (not counted), {@code readers} threads read the neighbour
 * for {@code seconds} at {@code rate} requests per second in all (an open loop: each request has its
 * time, and one that starts late is timed from then, so a stall is not hidden), each request a transaction of the neighbour's through the platform's transaction
 * manager (row-level security, the runtime role): a page of its inventory, a job's runs, or a page of
 * its activity history, at random;</li>
 * <li><b>during</b>: the victim is terminated and moved past its window, then purged through the
 * platform's {@link TenantPurge} while the readers go on, until its tombstone is complete;</li>
 * <li><b>after</b>: the readers again for {@code seconds}, to see the baseline did not drift.</li>
 * </ol>
 * Afterwards it checks that no table of the catalog has a row of the victim and that the tombstone
 * counted every row. Options: {@code --out= --work= --rows=1000000 --readers=4 --rate=1000 --seconds=40 --warmup=10 --keep};
 * any other {@code --key=value} goes to the server ({@code --cloudwarden.lifecycle.purge-batch=...}).
 */
public final class PurgeHarness {

    static final String DATABASE = "cloudwarden_bench_purge";

    private final Options options;
    private final ConfigurableApplicationContext context;
    private final long started;

    private PurgeHarness(Options options, ConfigurableApplicationContext context, long started) {
        this.options = options;
        this.context = context;
        this.started = started;
    }

    public static void main(String[] args) throws Exception {
        long started = System.nanoTime();
        Options options = Options.parse(args);
        HarnessSupport.deleteRecursively(options.work);
        Files.createDirectories(options.work);
        HarnessSupport.dropDatabase(options.adminUrl, options.adminUser, DATABASE, "purge bench");
        PurgeResults results;
        try {
            List<String> server = HarnessSupport.serverArguments(options.server, List.of(
                    "--spring.main.web-application-type=none",
                    "--cloudwarden.environment=dev",
                    "--cloudwarden.data-dir=" + options.work.resolve("data"),
                    "--cloudwarden.database.name=" + DATABASE,
                    "--cloudwarden.database.pool-size=" + (options.readers + 4),
                    "--cloudwarden.activity.digest-interval=PT1H",
                    "--cloudwarden.cloud.sandbox.enabled=false",
                    "--logging.level.root=WARN"));
            log(started, "starting the server's context (no web server) on database " + DATABASE);
            try (ConfigurableApplicationContext context = new SpringApplicationBuilder(CloudwardenApplication.class)
                    .web(WebApplicationType.NONE).logStartupInfo(false).run(server.toArray(String[]::new))) {
                results = new PurgeHarness(options, context, started).run();
            }
        } finally {
            if (!options.keep) {
                HarnessSupport.dropDatabase(options.adminUrl, options.adminUser, DATABASE, "purge bench");
                HarnessSupport.deleteRecursively(options.work);
            }
        }
        Files.createDirectories(options.out.toAbsolutePath().getParent());
        JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValue(options.out.toFile(), results);
        System.out.println("purge bench: wrote " + options.out);
    }

    private PurgeResults run() throws Exception {
        double loadBefore = HarnessSupport.loadAverage();
        long t0 = System.nanoTime();
        UUID victim = HarnessSupport.createTenant(context, "Bench purged organisation", true);
        UUID neighbour = HarnessSupport.createTenant(context, "Bench neighbour organisation", true);
        String url = HarnessSupport.databaseUrl(options.adminUrl, DATABASE);
        try (Connection admin = DriverManager.getConnection(url, options.adminUser, null); Statement st = admin.createStatement()) {
            fill(st, victim, options.rows);
            fill(st, neighbour, options.rows / 10);
            st.execute("analyze");
        }
        double buildSeconds = seconds(t0);
        log(started, String.format(Locale.ROOT, "world: %,d rows for the victim, %,d for the neighbour (%.0f s)", options.rows,
                options.rows / 10, buildSeconds));

        Readers readers = new Readers(neighbour, options.readers);
        PurgeResults.Load warmUp = readers.measure(Duration.ofSeconds(options.warmup), null); // the JIT and the caches, not counted
        log(started, "warm-up: " + describe(warmUp));
        PurgeResults.Load before = readers.measure(Duration.ofSeconds(options.seconds), null);
        log(started, "before: " + describe(before));

        Subscriptions subscriptions = context.getBean(Subscriptions.class);
        TenantPurge purge = context.getBean(TenantPurge.class);
        subscriptions.terminate(victim, null);
        try (Connection admin = DriverManager.getConnection(url, options.adminUser, null); Statement st = admin.createStatement()) {
            st.executeUpdate("update tenants set terminated_at = now() - interval '61 days', purge_after = now() - interval '1 day' where id = '"
                    + victim + "'");
        }
        AtomicLong steps = new AtomicLong();
        long[] purgeNanos = new long[1];
        TenantPurge.Tombstone[] tombstone = new TenantPurge.Tombstone[1];
        PurgeResults.Load during = readers.measure(null, () -> {
            long p0 = System.nanoTime();
            tombstone[0] = purge.purge(victim, steps::incrementAndGet);
            purgeNanos[0] = System.nanoTime() - p0;
        });
        double purgeSeconds = purgeNanos[0] / 1e9;
        log(started, String.format(Locale.ROOT, "purge: %,d rows in %.1f s (%,d steps); during: %s", tombstone[0].rows(), purgeSeconds,
                steps.get(), describe(during)));
        PurgeResults.Load after = readers.measure(Duration.ofSeconds(options.seconds), null);
        log(started, "after: " + describe(after));

        TenantPurge.Check check = purge.check(victim); // the purge report's own check of the catalog
        if (!check.left().isEmpty()) {
            throw new IllegalStateException("the purge left rows of the tenant: " + check.left());
        }
        String postgres;
        try (Connection admin = DriverManager.getConnection(url, options.adminUser, null); Statement st = admin.createStatement()) {
            try (ResultSet rs = st.executeQuery("show server_version")) {
                rs.next();
                postgres = "PostgreSQL " + rs.getString(1).split(" ")[0];
            }
        }
        if (tombstone[0].rows() < options.rows) {
            throw new IllegalStateException("the tombstone counted " + tombstone[0].rows() + " rows, fewer than the " + options.rows + " made");
        }
        return new PurgeResults(LocalDate.now().toString(), HarnessSupport.jdk(), HarnessSupport.cpuModel(),
                Runtime.getRuntime().availableProcessors(), HarnessSupport.totalMemory(), postgres, tombstone[0].rowCounts(),
                context.getBean(LifecycleSettings.class).purgeBatch(), context.getBean(LifecycleSettings.class).purgePace(), options.readers, options.rate, buildSeconds, purgeSeconds, steps.get(), before, during, after,
                loadBefore, HarnessSupport.loadAverage());
    }

    /**
     * {@code rows} rows of the tenant, written by the superuser in bulk (past row-level security; the
     * history's chain is not checked for a tenant out of scope, so its head is moved to the last event):
     * inventory 50 %, job run results 30 %, activity events about 15 %, runs 5 %, and a hundredth of a
     * percent each of accounts and jobs.
     */
    private static void fill(Statement st, UUID tenant, int rows) throws Exception {
        int accounts = Math.max(1, rows / 10_000);
        int jobs = accounts;
        int runs = rows / 20;
        int results = rows * 3 / 10;
        int resources = rows / 2;
        int events = rows - accounts - jobs - runs - results - resources;
        String t = "'" + tenant + "'::uuid";
        st.execute("""
                insert into cloud_accounts (id, tenant_id, name, provider, role_arn_ciphertext, role_arn_hash, role_arn_masked, regions, status, created_at)
                select md5(%1$s::text || 'a' || n)::uuid, %1$s, 'Account ' || n, 'aws', sha512(convert_to(n::text, 'UTF8')), sha256(convert_to(%1$s::text || n, 'UTF8')),
                       'arn:aws:iam::****', array['us-east-1'], 'verified', now()
                from generate_series(1, %2$d) n""".formatted(t, accounts));
        st.execute("""
                insert into cloud_resources (tenant_id, account_id, kind, region, resource_id, type, state, tags, synced_at)
                select %1$s, md5(%1$s::text || 'a' || (n %% %2$d + 1))::uuid, 'instance', 'us-east-1', 'i-' || lpad(to_hex(n), 17, '0'), 't3.micro',
                       'running', '{"env": "dev", "team": "platform"}', now()
                from generate_series(1, %3$d) n""".formatted(t, accounts, resources));
        st.execute("""
                insert into jobs (id, tenant_id, account_id, name, type, parameters, created_at, updated_at)
                select md5(%1$s::text || 'j' || n)::uuid, %1$s, md5(%1$s::text || 'a' || n)::uuid, 'Job ' || n, 'inventory_sync', '{}', now(), now()
                from generate_series(1, %2$d) n""".formatted(t, jobs));
        st.execute("""
                insert into job_runs (id, tenant_id, job_id, status, dry_run, trigger, queued_at, started_at, finished_at)
                select md5(%1$s::text || 'r' || n)::uuid, %1$s, md5(%1$s::text || 'j' || (n %% %2$d + 1))::uuid, 'succeeded', false, 'manual',
                       now() - n * interval '1 minute', now() - n * interval '1 minute', now() - n * interval '1 minute' + interval '5 seconds'
                from generate_series(1, %3$d) n""".formatted(t, jobs, runs));
        st.execute("""
                insert into job_run_results (tenant_id, run_id, seq, resource_id, region, action, outcome)
                select %1$s, md5(%1$s::text || 'r' || (n / 6 + 1))::uuid, n %% 6 + 1, 'i-' || lpad(to_hex(n), 17, '0'), 'us-east-1', 'stop', 'done'
                from generate_series(0, %2$d - 1) n""".formatted(t, results));
        st.execute("""
                insert into activity_events (tenant_id, seq, occurred_at, action, actor_type, target_type, target_id, details, prev_hash, hash)
                select %1$s, n + 1, now(), 'job.run_finished', 'system', 'job', md5(n::text), '{"outcome": "succeeded"}',
                       sha256(convert_to(n::text, 'UTF8')), sha256(convert_to((n + 1)::text, 'UTF8'))
                from generate_series(1, %2$d) n""".formatted(t, events));
        st.execute("update activity_chain_heads set seq = %2$d + 1, hash = sha256(convert_to((%2$d + 1)::text, 'UTF8')) where tenant_id = %1$s"
                .formatted(t, events));
    }

    /** Threads reading the neighbour as its users' pages do, each request one transaction of its own. */
    private final class Readers {
        private final UUID tenant;
        private final int threads;
        private final List<UUID> accounts;
        private final List<UUID> jobs;
        private final long events;

        Readers(UUID tenant, int threads) {
            this.tenant = tenant;
            this.threads = threads;
            TenantContext tenants = context.getBean(TenantContext.class);
            TransactionTemplate tx = context.getBean(TransactionTemplate.class);
            JdbcClient jdbc = context.getBean(JdbcClient.class);
            this.accounts = tenants.callAs(tenant, () -> tx.execute(s -> jdbc.sql("select id from cloud_accounts").query(UUID.class).list()));
            this.jobs = tenants.callAs(tenant, () -> tx.execute(s -> jdbc.sql("select id from jobs").query(UUID.class).list()));
            this.events = tenants.callAs(tenant, () -> tx.execute(s -> jdbc.sql("select max(seq) from activity_events").query(Long.class).single()));
        }

        /** Reads for {@code length}, or while {@code work} runs on this thread; the latencies of that time. */
        PurgeResults.Load measure(Duration length, Runnable work) throws Exception {
            TenantContext tenants = context.getBean(TenantContext.class);
            TransactionTemplate tx = context.getBean(TransactionTemplate.class);
            JdbcClient jdbc = context.getBean(JdbcClient.class);
            AtomicBoolean stop = new AtomicBoolean();
            long[][] latencies = new long[threads][];
            int[] counts = new int[threads];
            List<Thread> workers = new ArrayList<>();
            long begin = System.nanoTime();
            for (int i = 0; i < threads; i++) {
                int worker = i;
                latencies[i] = new long[1 << 16];
                workers.add(Thread.ofPlatform().name("neighbour-reader-" + i).start(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    long interval = 1_000_000_000L * threads / options.rate;
                    long next = begin + interval * worker / threads;
                    while (!stop.get()) {
                        // open loop: each request has its time; a late one counts from that time (no coordinated omission)
                        long r0 = next;
                        next += interval;
                        long wait = r0 - System.nanoTime();
                        if (wait > 0) {
                            LockSupport.parkNanos(wait);
                        }
                        tenants.runAs(tenant, () -> tx.executeWithoutResult(s -> {
                            switch (random.nextInt(3)) {
                                case 0 -> jdbc.sql("""
                                        select resource_id, type, state, tags from cloud_resources
                                        where account_id = ? and kind = 'instance' and region = 'us-east-1' and resource_id > ?
                                        order by resource_id limit 50""")
                                        .params(accounts.get(random.nextInt(accounts.size())), "i-" + String.format("%017x", random.nextInt(1 << 20)))
                                        .query().listOfRows();
                                case 1 -> jdbc.sql("select id, status, queued_at, finished_at from job_runs where job_id = ? order by queued_at desc limit 20")
                                        .param(jobs.get(random.nextInt(jobs.size()))).query().listOfRows();
                                default -> jdbc.sql("select seq, action, actor_type, target_id, details, hash from activity_events where seq > ? order by seq limit 50")
                                        .param(random.nextLong(Math.max(1, events - 50))).query().listOfRows();
                            }
                        }));
                        long took = System.nanoTime() - r0;
                        if (counts[worker] == latencies[worker].length) {
                            latencies[worker] = Arrays.copyOf(latencies[worker], counts[worker] * 2);
                        }
                        latencies[worker][counts[worker]++] = took;
                    }
                }));
            }
            try {
                if (work != null) {
                    work.run();
                } else {
                    Thread.sleep(length);
                }
            } finally {
                stop.set(true);
                for (Thread w : workers) {
                    w.join();
                }
            }
            double elapsed = seconds(begin);
            long[] all = new long[Arrays.stream(counts).sum()];
            int at = 0;
            for (int i = 0; i < threads; i++) {
                System.arraycopy(latencies[i], 0, all, at, counts[i]);
                at += counts[i];
            }
            Arrays.sort(all);
            return new PurgeResults.Load(elapsed, all.length, millis(all, 0.50), millis(all, 0.90), millis(all, 0.99),
                    all.length == 0 ? 0 : all[all.length - 1] / 1e6);
        }
    }

    private static double millis(long[] sorted, double quantile) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(quantile * sorted.length) - 1)] / 1e6;
    }

    private static String describe(PurgeResults.Load l) {
        return String.format(Locale.ROOT, "%,d reads in %.1f s (%.0f/s), p50 %.2f ms, p99 %.2f ms", l.requests(), l.seconds(), l.perSecond(),
                l.p50Millis(), l.p99Millis());
    }

    private static void log(long started, String message) {
        System.out.printf(Locale.ROOT, "purge bench [%5.1f s]: %s%n", seconds(started), message);
    }

    private record Options(Path out, Path work, int rows, int readers, int rate, int seconds, int warmup, boolean keep, String adminUrl, String adminUser,
                           List<String> server) {

        static Options parse(String[] args) {
            List<String> server = new ArrayList<>();
            Map<String, String> own = HarnessSupport.ownArguments(args, Set.of("out", "work", "rows", "readers", "rate", "seconds", "warmup", "keep"), server,
                    "--out= --work= --rows= --readers= --rate= --seconds= --warmup= --keep");
            int rows = Integer.parseInt(own.getOrDefault("rows", "1000000"));
            if (rows < 10_000) {
                throw new IllegalArgumentException("--rows must be at least 10000");
            }
            return new Options(Path.of(own.getOrDefault("out", "bench/target/purge.json")),
                    Path.of(own.getOrDefault("work", "bench/target/purge-bench")).toAbsolutePath(), rows,
                    Integer.parseInt(own.getOrDefault("readers", "4")), Integer.parseInt(own.getOrDefault("rate", "1000")),
                    Integer.parseInt(own.getOrDefault("seconds", "40")),
                    Integer.parseInt(own.getOrDefault("warmup", "10")),
                    Boolean.parseBoolean(own.getOrDefault("keep", "false")),
                    serverValue(server, "cloudwarden.database.admin-url", "jdbc:postgresql://127.0.0.1:5432/postgres"),
                    serverValue(server, "cloudwarden.database.admin-user", "postgres"), server);
        }
    }
}
