package dev.cloudwarden.cloud.internal;

import static dev.cloudwarden.bench.HarnessSupport.deleteRecursively;
import static dev.cloudwarden.bench.HarnessSupport.loadAverage;
import static dev.cloudwarden.bench.HarnessSupport.seconds;
import static dev.cloudwarden.bench.HarnessSupport.serverValue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.sun.management.GarbageCollectionNotificationInfo;
import dev.cloudwarden.CloudwardenApplication;
import dev.cloudwarden.bench.CloudSyncResults;
import dev.cloudwarden.bench.HarnessSupport;
import dev.cloudwarden.cloudsim.Account;
import dev.cloudwarden.cloudsim.CloudSim;
import dev.cloudwarden.tenancy.DatabaseSettings;
import dev.cloudwarden.tenancy.TenantContext;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.ListenerNotFoundException;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.slf4j.LoggerFactory;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Cloud inventory sync under load, run by {@code ./cloudwarden bench} after the activity harness (or
 * alone by {@code ./cloudwarden bench cloud}); a benchmark, not a test: no timing is asserted. In
 * this JVM it starts the sandbox AWS ({@link CloudSim}, plain HTTP on 127.0.0.1, a platform key and
 * principal of its own) and the server's application context without the web server, against a
 * fresh database of its own ({@value #DATABASE}, created and migrated by the dev bootstrap, dropped
 * afterwards), with the sandbox inside the server off and the platform pointed at this one as it
 * would be at AWS: {@code cloudwarden.cloud.endpoint}, {@code cloudwarden.cloud.platform-principal},
 * and the platform's key through the {@code aws.accessKeyId} / {@code aws.secretAccessKey} system
 * properties, which the SDK's default provider chain reads. Then:
 * <ol>
 * <li><b>world</b>: tenants made as sign-up makes them; for each, its external ID
 * ({@link ExternalIds#of}); for each of its accounts, a simulated AWS account of its own with the
 * role the setup page's template would make (trusting the platform's principal on that external ID,
 * carrying the setup page's policy), instances and volumes in two regions; the account added through
 * {@link CloudAccounts#create} in the tenant's scope;</li>
 * <li><b>alone</b>: one account synced on its own, request to finish, without and with the injected
 * latency (medians, after warm-ups): the per-account overhead and the latency floor of one sync;</li>
 * <li><b>all at once</b>: every account's sync requested ({@link InventorySync#request} in its
 * tenant's scope, one requesting thread per tenant) with the latency injected on every AWS call,
 * until none is running: wall time, outcomes, the AWS calls made (the sandbox's record), the rows
 * written against the world, heap, GC and CPU; unless {@code --zero-latency=false}, then the same with
 * no injected latency (nothing to wait for: all syncs reach their database transactions at once,
 * which the runs' database turns keep within the pool).</li>
 * </ol>
 * Every sync opens its own STS session, so every pass makes the same calls. It writes {@link CloudSyncResults} JSON, which {@code BenchmarkReport} renders into BENCHMARKS.md,
 * and exits with 1 if a sync failed or the rows do not match the world.
 *
 * <p>Options: {@code --out=<results.json>} {@code --work=<dir>} {@code --tenants=10}
 * {@code --accounts-per-tenant=100} {@code --instances=100} (per account and region)
 * {@code --volumes=5} (per account and region) {@code --latency-ms=50} {@code --solo=5} (measured
 * single syncs) {@code --zero-latency=true} (the second pass) {@code --timeout=180} (seconds a
 * pass may take) {@code --keep} (keep the database and files); any other {@code --key=value} goes to
 * the server (e.g. {@code --cloudwarden.cloud.sync-concurrency=128}).
 */
public final class CloudSyncHarness {

    static final String DATABASE = "cloudwarden_bench_cloud";
    static final List<String> REGIONS = List.of("us-east-1", "eu-west-1");
    private static final String PLATFORM_PRINCIPAL = "arn:aws:iam::111111111111:user/cloudwarden-bench-platform";
    /** The first simulated AWS account's number; account n of the world is this plus n. */
    private static final long FIRST_ACCOUNT_ID = 100_000_000_000L;
    private static final int SOLO_WARMUPS = 10;
    /** A pass in which no sync has finished for this long is over: what still runs is stuck. */
    private static final int STALLED_SECONDS = 20;
    private static final String[] TYPES = {"t3.micro", "t3.medium", "m5.large", "m5.xlarge", "c6i.large", "r6g.large"};
    private static final String[] ENVS = {"prod", "staging", "dev"};
    private static final String[] TEAMS = {"payments", "storefront", "data", "platform", "search"};
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    /** An account of the world: its tenant and its id on the platform. */
    private record Target(UUID tenant, UUID account) {
    }

    private final Options options;
    private final CloudSim sim;
    private final TenantContext tenants;
    private final TransactionTemplate tx;
    private final ExternalIds externalIds;
    private final CloudAccounts accounts;
    private final InventorySync sync;
    private final CloudSettings cloud;
    private final DatabaseSettings database;
    private final ConfigurableApplicationContext context;
    private final long started;

    private CloudSyncHarness(Options options, ConfigurableApplicationContext context, CloudSim sim, long started) {
        this.options = options;
        this.sim = sim;
        this.context = context;
        this.tenants = context.getBean(TenantContext.class);
        this.tx = context.getBean(TransactionTemplate.class);
        this.externalIds = context.getBean(ExternalIds.class);
        this.accounts = context.getBean(CloudAccounts.class);
        this.sync = context.getBean(InventorySync.class);
        this.cloud = context.getBean(CloudSettings.class);
        this.database = context.getBean(DatabaseSettings.class);
        this.started = started;
    }

    public static void main(String[] args) throws Exception {
        long started = System.nanoTime();
        Options options = Options.parse(args);
        deleteRecursively(options.work);
        Files.createDirectories(options.work);
        HarnessSupport.dropDatabase(options.adminUrl, options.adminUser, DATABASE, "cloud sync bench");

        SecureRandom random = new SecureRandom();
        String keyId = "AKIA" + HarnessSupport.randomText(random, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
        String secret = HarnessSupport.randomText(random, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 40);
        CloudSyncResults results;
        try (CloudSim sim = CloudSim.start(keyId, secret, PLATFORM_PRINCIPAL, Clock.systemUTC(), 0)) {
            // the platform's own key, where the SDK's default provider chain looks first
            System.setProperty("aws.accessKeyId", keyId);
            System.setProperty("aws.secretAccessKey", secret);
            List<String> server = HarnessSupport.serverArguments(options.server, List.of( // defaults; the same key given on the command line wins
                    "--spring.main.web-application-type=none",
                    "--cloudwarden.environment=dev",
                    "--cloudwarden.data-dir=" + options.work.resolve("data"),
                    "--cloudwarden.database.name=" + DATABASE,
                    "--cloudwarden.database.pool-size=16",
                    "--cloudwarden.activity.digest-interval=PT1H", // no periodic digest in the middle of a measurement
                    "--cloudwarden.cloud.sandbox.enabled=false",
                    "--cloudwarden.cloud.endpoint=" + sim.endpoint(),
                    "--cloudwarden.cloud.platform-principal=" + PLATFORM_PRINCIPAL,
                    "--logging.level.root=WARN"));
            System.out.println("cloud sync bench: sandbox AWS at " + sim.endpoint() + "; starting the server's context (no web server) on database "
                    + DATABASE);
            try (ConfigurableApplicationContext context = new SpringApplicationBuilder(CloudwardenApplication.class)
                    .web(WebApplicationType.NONE).logStartupInfo(false).run(server.toArray(String[]::new))) {
                results = new CloudSyncHarness(options, context, sim, started).run();
            }
        } finally {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
            if (!options.keep) {
                HarnessSupport.dropDatabase(options.adminUrl, options.adminUser, DATABASE, "cloud sync bench");
                deleteRecursively(options.work);
            }
        }
        Files.createDirectories(options.out.toAbsolutePath().getParent());
        JSON.writerWithDefaultPrettyPrinter().writeValue(options.out.toFile(), results);
        System.out.println("cloud sync bench: wrote " + options.out);
        List<String> problems = new ArrayList<>();
        for (CloudSyncResults.Pass p : results.passes()) {
            if (p.failed() > 0) {
                problems.add(p.failed() + " of " + p.accounts() + " syncs failed at " + p.latencyMillis() + " ms " + p.failures());
            }
            if (!p.rowsMatch()) {
                problems.add(p.rows() + " inventory rows at " + p.latencyMillis() + " ms, the world has " + p.rowsExpected());
            }
        }
        if (!problems.isEmpty()) {
            System.err.println("cloud sync bench: FAILED: " + String.join("; ", problems));
            System.exit(1);
        }
    }

    private CloudSyncResults run() throws Exception {
        double loadBefore = loadAverage();
        log("system load average " + loadBefore + "; sandbox latency per call " + options.latencyMillis + " ms when injected");

        // ------------------------------------------------ the world
        List<UUID> tenantIds = new ArrayList<>();
        for (int t = 0; t < options.tenants; t++) {
            tenantIds.add(HarnessSupport.createTenant(context, "Bench cloud organisation " + t, true));
        }
        System.gc();
        long heapContext = heapUsed();
        long t0 = System.nanoTime();
        String policy = SetupDocuments.policyJson("aws", SetupDocuments.Features.INVENTORY_ONLY);
        List<Target>[] byTenant = newLists(options.tenants);
        HarnessSupport.inParallel(options.tenants, t -> {
            UUID tenant = tenantIds.get(t);
            String externalId = tenants.callAs(tenant, () -> tx.execute(s -> externalIds.of(tenant))).reveal();
            for (int a = 0; a < options.accountsPerTenant; a++) {
                String awsAccount = String.valueOf(FIRST_ACCOUNT_ID + (long) t * options.accountsPerTenant + a);
                CloudSim.Role role = new CloudSim.Role(awsAccount, SetupDocuments.ROLE_NAME, PLATFORM_PRINCIPAL, externalId, policy);
                sim.addRole(role);
                populate(sim.account(awsAccount), a);
                UUID id = tenants.callAs(tenant, () -> accounts.create(new CloudAccounts.NewAccount("Bench account " + awsAccount, "aws",
                        role.arn(), REGIONS))).id();
                byTenant[t].add(new Target(tenant, id));
            }
        });
        List<Target> targets = new ArrayList<>();
        for (List<Target> list : byTenant) {
            targets.addAll(list);
        }
        double buildSeconds = seconds(t0);
        System.gc();
        long heapWorld = heapUsed();
        long resources = (long) targets.size() * REGIONS.size() * (options.instances + options.volumes);
        log(String.format(Locale.ROOT, "world built in %.1f s: %d tenants, %,d accounts, %,d instances and %,d volumes in %s; "
                        + "heap after a full GC %d MiB with the context, %d MiB with the world",
                buildSeconds, options.tenants, targets.size(), (long) targets.size() * REGIONS.size() * options.instances,
                (long) targets.size() * REGIONS.size() * options.volumes, REGIONS, mib(heapContext), mib(heapWorld)));
        CloudSyncResults.World world = new CloudSyncResults.World(options.tenants, options.accountsPerTenant, REGIONS, options.instances,
                options.volumes, resources, buildSeconds, heapContext, heapWorld);
        double setupSeconds = seconds(started);

        try (Connection admin = DriverManager.getConnection(HarnessSupport.databaseUrl(options.adminUrl, DATABASE), options.adminUser, null)) {
            // ------------------------------------------------ one account alone
            Target alone = targets.get(0);
            sim.latency(Duration.ZERO);
            for (int i = 0; i < SOLO_WARMUPS; i++) {
                syncAlone(admin, alone);
            }
            List<Double> fast = new ArrayList<>();
            for (int i = 0; i < options.solo; i++) {
                fast.add(syncAlone(admin, alone));
            }
            sim.latency(Duration.ofMillis(options.latencyMillis));
            syncAlone(admin, alone);
            sim.clearCalls();
            List<Double> slow = new ArrayList<>();
            for (int i = 0; i < options.solo; i++) {
                slow.add(syncAlone(admin, alone));
            }
            List<CloudSim.Call> soloCalls = sim.calls();
            int callsPerSync = soloCalls.size() / options.solo;
            Map<String, Long> soloByAction = new TreeMap<>();
            byAction(soloCalls).forEach((action, n) -> soloByAction.put(action, n / options.solo));
            int chain = longestChain(soloCalls);
            CloudSyncResults.Solo solo = new CloudSyncResults.Solo(SOLO_WARMUPS, options.solo, median(fast), median(slow), options.latencyMillis,
                    callsPerSync, soloByAction, chain);
            log(String.format(Locale.ROOT, "one account alone (median of %d): %.0f ms with no latency, %.0f ms with %d ms per call "
                            + "(%d calls, %d of them one after the other)",
                    options.solo, solo.noLatencySeconds() * 1000, solo.latencySeconds() * 1000, options.latencyMillis, callsPerSync, chain));

            // ------------------------------------------------ every account at once
            List<CloudSyncResults.Pass> passes = new ArrayList<>();
            passes.add(pass(admin, byTenant, options.latencyMillis, resources));
            if (options.zeroLatency) {
                passes.add(pass(admin, byTenant, 0, resources));
            }

            String postgres;
            try (Statement st = admin.createStatement(); ResultSet rs = st.executeQuery("show server_version")) {
                rs.next();
                postgres = "PostgreSQL " + rs.getString(1);
            }
            String collectors = ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName)
                    .collect(Collectors.joining(", "));
            CloudSyncResults.Run run = new CloudSyncResults.Run(LocalDate.now().toString(), HarnessSupport.jdk(), HarnessSupport.cpuModel(),
                    Runtime.getRuntime().availableProcessors(), HarnessSupport.totalMemory(), postgres, Runtime.getRuntime().maxMemory(),
                    collectors, database.poolSize(), cloud.syncConcurrency(), cloud.syncConcurrency() * InventorySync.REGIONS_AT_ONCE + 16, // as CloudConfiguration sizes AwsAccess's pool
                    loadBefore, loadAverage(), setupSeconds, seconds(started));
            return new CloudSyncResults(run, world, solo, passes);
        }
    }

    /** A realistic spread: types, mostly running, Name/env/team tags; the first volumes attached to the first instances. */
    private void populate(Account account, int seed) {
        for (String region : REGIONS) {
            List<Account.Instance> made = new ArrayList<>(options.instances);
            for (int i = 0; i < options.instances; i++) {
                int k = seed * 7 + i;
                made.add(account.addInstance(region, TYPES[k % TYPES.length], k % 5 == 4 ? "stopped" : "running",
                        Map.of("Name", "svc-" + region + "-" + i, "env", ENVS[k % ENVS.length], "team", TEAMS[k % TEAMS.length])));
            }
            for (int v = 0; v < options.volumes; v++) {
                String attached = v < made.size() ? made.get(v).id() : null;
                account.addVolume(region, 20 + (v % 4) * 30, attached, Map.of("Name", "data-" + v, "env", ENVS[v % ENVS.length]));
            }
        }
    }

    /** One account's sync on its own, request to finish; it must succeed. */
    private double syncAlone(Connection admin, Target target) throws SQLException, InterruptedException {
        long t0 = System.nanoTime();
        tenants.runAs(target.tenant(), () -> sync.request(target.account()));
        try (PreparedStatement st = admin.prepareStatement("select sync_status, sync_code from cloud_accounts where id = ?")) {
            st.setObject(1, target.account());
            while (true) {
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    String status = rs.getString(1);
                    if (!"running".equals(status)) {
                        double elapsed = seconds(t0);
                        if (!"succeeded".equals(status)) {
                            throw new IllegalStateException("the single account's sync " + status + ": " + rs.getString(2));
                        }
                        return elapsed;
                    }
                }
                if (seconds(t0) > options.timeoutSeconds) {
                    throw new IllegalStateException("the single account's sync still runs after " + options.timeoutSeconds + " s");
                }
                Thread.sleep(1);
            }
        }
    }

    /** Every account's sync requested at once; until none runs. */
    private CloudSyncResults.Pass pass(Connection admin, List<Target>[] byTenant, long latencyMillis, long rowsExpected) throws Exception {
        int total = 0;
        for (List<Target> list : byTenant) {
            total += list.size();
        }
        log(String.format(Locale.ROOT, "syncing all %,d accounts at once, %d ms per AWS call", total, latencyMillis));
        sim.latency(Duration.ofMillis(latencyMillis));
        sim.clearCalls();
        System.gc();
        long heapBefore = heapUsed();
        List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP).toList();
        heapPools.forEach(MemoryPoolMXBean::resetPeakUsage);
        long[] gc0 = gcTotals();
        long cpu0 = HarnessSupport.processCpuNanos();
        Map<String, Integer> requestFailures = new ConcurrentHashMap<>();
        double requestSeconds;
        double wallSeconds;
        long peakSampled;
        long peakAfterGc;
        long t0;
        Map<String, Integer> warnings;
        try (HarnessSupport.HeapWatch heap = new HarnessSupport.HeapWatch(); AfterGc afterGc = new AfterGc(heapPools);
             Warnings syncWarnings = new Warnings(InventorySync.class)) {
            t0 = System.nanoTime();
            HarnessSupport.inParallel(byTenant.length, t -> {
                for (Target target : byTenant[t]) {
                    try {
                        tenants.runAs(target.tenant(), () -> sync.request(target.account()));
                    } catch (RuntimeException e) {
                        requestFailures.merge("request refused: " + e.getClass().getSimpleName(), 1, Integer::sum);
                    }
                }
            });
            requestSeconds = seconds(t0);
            long end;
            try (PreparedStatement st = admin.prepareStatement("select count(*) from cloud_accounts where sync_status = 'running'")) {
                long last = -1;
                long changed = System.nanoTime();
                while (true) {
                    long running;
                    try (ResultSet rs = st.executeQuery()) {
                        rs.next();
                        running = rs.getLong(1);
                    }
                    if (running == 0) {
                        end = System.nanoTime();
                        break;
                    }
                    if (running != last) {
                        last = running;
                        changed = System.nanoTime();
                    }
                    if (seconds(t0) > options.timeoutSeconds) {
                        log(running + " syncs still running after " + options.timeoutSeconds + " s; counted as failed");
                        end = changed; // the wall time ends with the last sync that did finish
                        break;
                    }
                    if (seconds(changed) > STALLED_SECONDS) {
                        // a sync that failed outside AWS and could not record it stays running until it is taken as stale
                        log(running + " syncs still running, none finished in the last " + STALLED_SECONDS + " s; counted as failed");
                        end = changed;
                        break;
                    }
                    Thread.sleep(10);
                }
            }
            wallSeconds = (end - t0) / 1e9;
            peakSampled = heap.peak();
            peakAfterGc = afterGc.peak();
            warnings = syncWarnings.counts();
        }
        long peakPools = heapPools.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        long cpu = HarnessSupport.processCpuNanos() - cpu0;
        long[] gc1 = gcTotals();
        List<CloudSim.Call> calls = sim.calls();
        System.gc();
        long heapAfter = heapUsed();

        Map<String, Integer> failures = new TreeMap<>(requestFailures);
        int succeeded = 0;
        int failed = 0;
        try (Statement st = admin.createStatement();
             ResultSet rs = st.executeQuery("select sync_status, coalesce(sync_code, ''), count(*) from cloud_accounts group by 1, 2")) {
            while (rs.next()) {
                int n = rs.getInt(3);
                if ("succeeded".equals(rs.getString(1))) {
                    succeeded += n;
                } else {
                    failed += n;
                    String status = rs.getString(1) == null ? "never started" : rs.getString(1).equals("running") ? "still running" : rs.getString(1);
                    failures.merge(status + (rs.getString(2).isEmpty() ? "" : ": " + rs.getString(2)), n, Integer::sum);
                }
            }
        }
        Map<String, Double> accountSeconds = new LinkedHashMap<>();
        try (Statement st = admin.createStatement(); ResultSet rs = st.executeQuery("""
                select percentile_cont(0.5) within group (order by d), percentile_cont(0.95) within group (order by d), max(d)
                from (select extract(epoch from sync_finished_at - sync_started_at)::float8 as d from cloud_accounts
                      where sync_finished_at is not null) x""")) {
            rs.next();
            accountSeconds.put("p50", rs.getDouble(1));
            accountSeconds.put("p95", rs.getDouble(2));
            accountSeconds.put("max", rs.getDouble(3));
        }
        long rows;
        try (Statement st = admin.createStatement(); ResultSet rs = st.executeQuery("select count(*) from cloud_resources")) {
            rs.next();
            rows = rs.getLong(1);
        }
        Map<String, Long> byAction = byAction(calls);
        long callErrors = calls.stream().filter(c -> c.errorCode() != null).count();
        int chain = longestChain(calls);
        CloudSyncResults.Pass pass = new CloudSyncResults.Pass(latencyMillis, total, succeeded, failed, failures, requestSeconds, wallSeconds,
                calls.size(), callErrors, byAction, chain, rows, rowsExpected, accountSeconds, heapBefore, peakPools, peakSampled, peakAfterGc, heapAfter,
                gc1[0] - gc0[0], gc1[1] - gc0[1], cpu / 1e9, warnings);
        log(String.format(Locale.ROOT, "%d ms per call: %,d succeeded, %,d failed%s; wall %.2f s (requests issued in %.2f s); %,d calls "
                        + "(%,d refused) %s; sequential %.1f s, floor %.2f s: wall/sequential %.4f, wall/floor %.1f; rows %,d of %,d; "
                        + "per account p50 %.2f s, max %.2f s; heap %d MiB before, peak %d MiB (pools) / %d MiB (sampled), highest after a GC %d MiB, %d MiB after; "
                        + "%d GCs, %d ms; JVM CPU %.1f s%s",
                latencyMillis, succeeded, failed, failures.isEmpty() ? "" : " " + failures, wallSeconds, requestSeconds, calls.size(), callErrors,
                byAction, pass.sequentialSeconds(), pass.floorSeconds(), latencyMillis == 0 ? 0 : wallSeconds / pass.sequentialSeconds(),
                latencyMillis == 0 ? 0 : wallSeconds / pass.floorSeconds(), rows, rowsExpected, accountSeconds.get("p50"),
                accountSeconds.get("max"), mib(heapBefore), mib(peakPools), mib(peakSampled), mib(peakAfterGc), mib(heapAfter), gc1[0] - gc0[0],
                gc1[1] - gc0[1], cpu / 1e9, warnings.isEmpty() ? "" : "; the sync logged " + warnings));
        return pass;
    }

    /**
     * The most calls one sync made one after the other: its AssumeRole (made with the platform's key,
     * so the sandbox cannot name the account; one per sync, each opens its own session) and
     * then its busiest region's calls (regions run at once). EC2 calls are grouped by the session's name,
     * unique to each sync.
     */
    private static int longestChain(List<CloudSim.Call> calls) {
        Map<String, Map<String, Integer>> perSession = new HashMap<>();
        for (CloudSim.Call c : calls) {
            if ("ec2".equals(c.service()) && c.roleSessionName() != null) {
                perSession.computeIfAbsent(c.roleSessionName(), k -> new HashMap<>()).merge(c.region(), 1, Integer::sum);
            }
        }
        return 1 + perSession.values().stream().mapToInt(regions -> Collections.max(regions.values())).max().orElse(0);
    }

    // ---------------------------------------------------------------- plumbing


    @SuppressWarnings("unchecked")
    private static List<Target>[] newLists(int n) {
        List<Target>[] lists = new List[n];
        for (int i = 0; i < n; i++) {
            lists[i] = Collections.synchronizedList(new ArrayList<>());
        }
        return lists;
    }

    /**
     * The highest heap use left right after a collection while it is open (every young or full
     * collection's report, the heap pools summed): what the collector could not free, the live data plus old
     * garbage not yet reached, without the garbage that young collections take.
     */
    private static final class AfterGc implements AutoCloseable {
        private final Set<String> pools;
        private final Map<NotificationEmitter, NotificationListener> listening = new HashMap<>();
        private final AtomicLong peak = new AtomicLong();

        AfterGc(List<MemoryPoolMXBean> heapPools) {
            this.pools = heapPools.stream().map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (gc instanceof NotificationEmitter emitter) {
                    NotificationListener listener = (notification, handback) -> {
                        if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                            GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from(
                                    (CompositeData) notification.getUserData());
                            if (!info.getGcAction().equals("end of minor GC") && !info.getGcAction().equals("end of major GC")) {
                                return; // a concurrent cycle's pause (G1's remark, cleanup) frees nothing of the young generation
                            }
                            long used = info.getGcInfo().getMemoryUsageAfterGc().entrySet().stream()
                                    .filter(e -> pools.contains(e.getKey())).mapToLong(e -> e.getValue().getUsed()).sum();
                            peak.accumulateAndGet(used, Math::max);
                        }
                    };
                    emitter.addNotificationListener(listener, null, null);
                    listening.put(emitter, listener);
                }
            }
        }

        long peak() {
            return peak.get();
        }

        @Override
        public void close() {
            listening.forEach((emitter, listener) -> {
                try {
                    emitter.removeNotificationListener(listener);
                } catch (ListenerNotFoundException e) {
                    // already gone
                }
            });
        }
    }

    /** What a logger logs at WARN or above while it is open, counted by message (it still logs as before). */
    private static final class Warnings implements AutoCloseable {
        private final ch.qos.logback.classic.Logger logger;
        private final Map<String, Integer> counts = new ConcurrentHashMap<>();
        private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                if (event.getLevel().isGreaterOrEqual(Level.WARN)) {
                    counts.merge(event.getFormattedMessage(), 1, Integer::sum);
                }
            }
        };

        Warnings(Class<?> source) {
            logger = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(source);
            appender.setContext(logger.getLoggerContext());
            appender.setName("cloud-sync-bench-warnings");
            appender.start();
            logger.addAppender(appender);
        }

        Map<String, Integer> counts() {
            return new TreeMap<>(counts);
        }

        @Override
        public void close() {
            logger.detachAppender(appender);
            appender.stop();
        }
    }

    private static Map<String, Long> byAction(List<CloudSim.Call> calls) {
        return calls.stream().collect(Collectors.groupingBy(c -> c.service() + ":" + c.action(), TreeMap::new, Collectors.counting()));
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Collections and milliseconds spent in them so far, every collector together. */
    private static long[] gcTotals() {
        long count = 0;
        long millis = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, gc.getCollectionCount());
            millis += Math.max(0, gc.getCollectionTime());
        }
        return new long[] {count, millis};
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static long mib(long bytes) {
        return HarnessSupport.mib(bytes);
    }


    private void log(String message) {
        System.out.printf(Locale.ROOT, "cloud sync bench [%5.1f s]: %s%n", seconds(started), message);
    }

    /** The command line: the harness's own options, and the rest for the server. */
    private record Options(Path out, Path work, int tenants, int accountsPerTenant, int instances, int volumes, long latencyMillis, int solo,
                           boolean zeroLatency, double timeoutSeconds, boolean keep, String adminUrl, String adminUser, List<String> server) {

        static Options parse(String[] args) {
            List<String> server = new ArrayList<>();
            Map<String, String> own = HarnessSupport.ownArguments(args, Set.of("out", "work", "tenants", "accounts-per-tenant", "instances", "volumes", "latency-ms", "solo",
                    "zero-latency", "timeout", "keep"), server,
                    "--out= --work= --tenants= --accounts-per-tenant= "
                            + "--instances= --volumes= --latency-ms= --solo= --zero-latency= --timeout= --keep");
            int accountsPerTenant = Integer.parseInt(own.getOrDefault("accounts-per-tenant", "100"));
            if (accountsPerTenant < 1 || accountsPerTenant > CloudAccounts.MAX_ACCOUNTS) {
                throw new IllegalArgumentException("--accounts-per-tenant must be 1-" + CloudAccounts.MAX_ACCOUNTS + " (the platform's limit)");
            }
            int solo = Integer.parseInt(own.getOrDefault("solo", "5"));
            if (solo < 1) {
                throw new IllegalArgumentException("--solo must be at least 1");
            }
            return new Options(Path.of(own.getOrDefault("out", "bench/target/cloud-sync.json")),
                    Path.of(own.getOrDefault("work", "bench/target/cloud-bench")).toAbsolutePath(),
                    Integer.parseInt(own.getOrDefault("tenants", "10")), accountsPerTenant,
                    Integer.parseInt(own.getOrDefault("instances", "100")), Integer.parseInt(own.getOrDefault("volumes", "5")),
                    Long.parseLong(own.getOrDefault("latency-ms", "50")), solo,
                    Boolean.parseBoolean(own.getOrDefault("zero-latency", "true")), Double.parseDouble(own.getOrDefault("timeout", "180")),
                    Boolean.parseBoolean(own.getOrDefault("keep", "false")),
                    serverValue(server, "cloudwarden.database.admin-url", "jdbc:postgresql://127.0.0.1:5432/postgres"),
                    serverValue(server, "cloudwarden.database.admin-user", "postgres"), server);
        }
    }
}
