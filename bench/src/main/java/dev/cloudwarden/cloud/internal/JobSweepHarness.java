package dev.cloudwarden.cloud.internal;

import static dev.cloudwarden.bench.HarnessSupport.seconds;
import static dev.cloudwarden.bench.HarnessSupport.serverValue;

import dev.cloudwarden.CloudwardenApplication;
import dev.cloudwarden.bench.HarnessSupport;
import dev.cloudwarden.bench.JobSweepResults;
import dev.cloudwarden.cloudsim.Account;
import dev.cloudwarden.cloudsim.CloudSim;
import dev.cloudwarden.tenancy.DatabaseSettings;
import dev.cloudwarden.tenancy.TenantContext;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.transaction.support.TransactionTemplate;
import software.amazon.awssdk.services.ec2.model.Filter;
import tools.jackson.databind.json.JsonMapper;

/**
 * A scheduled sweep of many accounts, run by {@code ./cloudwarden bench jobs} (and by
 * {@code ./cloudwarden bench}); a benchmark, not a test: no timing is asserted. As the cloud sync
 * harness does, it starts the sandbox AWS in this JVM and the server's context without the web server
 * on a fresh database of its own ({@value #DATABASE}), with the platform pointed at the sandbox as it
 * would be at AWS. The server's clock is this harness's, so it can bring the scheduled minute.
 * <ol>
 * <li><b>world</b>: {@code tenants} × {@code accountsPerTenant} accounts, each its own simulated AWS
 * account whose role carries the setup page's policy for the job, with {@code instances} instances in
 * us-east-1, half of them {@code env=dev}; one {@code start_instances} job per account selecting
 * {@code env=dev}, scheduled daily at the same minute, half an hour ahead;</li>
 * <li><b>bare loop</b>: with the latency injected, every account's same calls (AssumeRole,
 * DescribeInstances, StopInstances of its dev instances) on as many virtual threads as the scheduler
 * runs at once, without scheduler, database or activity history: the floor for this concurrency,
 * and it leaves the dev instances stopped;</li>
 * <li><b>sweep</b>: the clock jumps to the scheduled minute; every node's scheduler (here one) finds
 * every job's slot due, and each run starts its account's dev instances: wall time until every run
 * has ended, outcomes, AWS calls, heap, CPU. The world is checked afterwards: every instance running.</li>
 * </ol>
 * Options: {@code --out= --work= --tenants=100 --accounts-per-tenant=100 --instances=4
 * --latency-ms=50 --timeout=600 --keep}; any other {@code --key=value} goes to the server (the
 * defaults set {@code db-scheduler.threads=64}, {@code cloudwarden.jobs.per-tenant=8} and a pool of 24).
 */
public final class JobSweepHarness {

    static final String DATABASE = "cloudwarden_bench_jobs";
    private static final String REGION = "us-east-1";
    private static final String PLATFORM_PRINCIPAL = "arn:aws:iam::111111111111:user/cloudwarden-bench-platform";
    private static final long FIRST_ACCOUNT_ID = 200_000_000_000L;
    private static final Map<String, String> DEV = Map.of("env", "dev");

    /** The server's clock: the wall clock, moved forward when the harness brings the scheduled minute. */
    static final class MovableClock extends Clock {
        private volatile Duration ahead = Duration.ZERO;

        @Override
        public Instant instant() {
            return Instant.now().plus(ahead);
        }

        void moveTo(Instant at) {
            ahead = Duration.between(Instant.now(), at);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    private record Target(UUID tenant, UUID account, Connections.Connection connection) {
    }

    private final Options options;
    private final CloudSim sim;
    private final ConfigurableApplicationContext context;
    private final MovableClock clock;
    private final long started;

    private JobSweepHarness(Options options, CloudSim sim, ConfigurableApplicationContext context, MovableClock clock, long started) {
        this.options = options;
        this.sim = sim;
        this.context = context;
        this.clock = clock;
        this.started = started;
    }

    public static void main(String[] args) throws Exception {
        long started = System.nanoTime();
        Options options = Options.parse(args);
        HarnessSupport.deleteRecursively(options.work);
        Files.createDirectories(options.work);
        HarnessSupport.dropDatabase(options.adminUrl, options.adminUser, DATABASE, "job sweep bench");
        SecureRandom random = new SecureRandom();
        String keyId = "AKIA" + HarnessSupport.randomText(random, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
        String secret = HarnessSupport.randomText(random, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 40);
        MovableClock clock = new MovableClock();
        JobSweepResults results;
        // the sandbox keeps AWS's time (the SDK signs with the wall clock); only the server's clock moves
        try (CloudSim sim = CloudSim.start(keyId, secret, PLATFORM_PRINCIPAL, Clock.systemUTC(), 0)) {
            System.setProperty("aws.accessKeyId", keyId);
            System.setProperty("aws.secretAccessKey", secret);
            List<String> server = HarnessSupport.serverArguments(options.server, List.of(
                    "--spring.main.web-application-type=none",
                    "--cloudwarden.environment=dev",
                    "--cloudwarden.data-dir=" + options.work.resolve("data"),
                    "--cloudwarden.database.name=" + DATABASE,
                    "--cloudwarden.database.pool-size=24",
                    "--cloudwarden.activity.digest-interval=PT1H",
                    "--cloudwarden.cloud.sandbox.enabled=false",
                    "--cloudwarden.cloud.endpoint=" + sim.endpoint(),
                    "--cloudwarden.cloud.platform-principal=" + PLATFORM_PRINCIPAL,
                    "--db-scheduler.threads=64",
                    "--cloudwarden.jobs.per-tenant=8",
                    "--logging.level.root=WARN"));
            log(started, "sandbox AWS at " + sim.endpoint() + "; starting the server's context (no web server) on database " + DATABASE);
            try (ConfigurableApplicationContext context = new SpringApplicationBuilder(CloudwardenApplication.class)
                    .web(WebApplicationType.NONE).logStartupInfo(false)
                    .initializers(c -> c.addBeanFactoryPostProcessor(factory -> {
                        ((BeanDefinitionRegistry) factory).removeBeanDefinition("clock");
                        factory.registerSingleton("clock", clock);
                    }))
                    .run(server.toArray(String[]::new))) {
                results = new JobSweepHarness(options, sim, context, clock, started).run();
            }
        } finally {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
            if (!options.keep) {
                HarnessSupport.dropDatabase(options.adminUrl, options.adminUser, DATABASE, "job sweep bench");
                HarnessSupport.deleteRecursively(options.work);
            }
        }
        Files.createDirectories(options.out.toAbsolutePath().getParent());
        JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValue(options.out.toFile(), results);
        System.out.println("job sweep bench: wrote " + options.out);
        if (results.failed() > 0 || results.succeeded() != results.runs() || results.runs() != options.tenants * options.accountsPerTenant) {
            System.err.println("job sweep bench: FAILED: " + results.succeeded() + " of " + options.tenants * options.accountsPerTenant
                    + " runs succeeded");
            System.exit(1);
        }
    }

    private JobSweepResults run() throws Exception {
        double loadBefore = HarnessSupport.loadAverage();
        TenantContext tenants = context.getBean(TenantContext.class);
        TransactionTemplate tx = context.getBean(TransactionTemplate.class);
        ExternalIds externalIds = context.getBean(ExternalIds.class);
        CloudAccounts accounts = context.getBean(CloudAccounts.class);
        Jobs jobs = context.getBean(Jobs.class);
        Connections connections = context.getBean(Connections.class);
        Environment env = context.getEnvironment();
        int threads = env.getProperty("db-scheduler.threads", Integer.class, 10);
        int total = options.tenants * options.accountsPerTenant;

        // ------------------------------------------------ the world
        long t0 = System.nanoTime();
        Instant slot = clock.instant().plus(Duration.ofMinutes(30)).truncatedTo(ChronoUnit.MINUTES);
        String schedule = slot.atZone(ZoneOffset.UTC).getMinute() + " " + slot.atZone(ZoneOffset.UTC).getHour() + " * * *";
        String policy = SetupDocuments.policyJson("aws", new SetupDocuments.Features(List.of(DEV), List.of()));
        List<Target> targets = Collections.synchronizedList(new ArrayList<>());
        HarnessSupport.inParallel(Math.min(options.tenants, 8), worker -> {
            for (int t = worker; t < options.tenants; t += Math.min(options.tenants, 8)) {
                UUID tenant = HarnessSupport.createTenant(context, "Bench jobs organisation " + t, true);
                String externalId = tenants.callAs(tenant, () -> tx.execute(s -> externalIds.of(tenant))).reveal();
                for (int a = 0; a < options.accountsPerTenant; a++) {
                    String awsAccount = String.valueOf(FIRST_ACCOUNT_ID + (long) t * options.accountsPerTenant + a);
                    CloudSim.Role role = new CloudSim.Role(awsAccount, SetupDocuments.ROLE_NAME, PLATFORM_PRINCIPAL, externalId, policy);
                    sim.addRole(role);
                    Account world = sim.account(awsAccount);
                    for (int i = 0; i < options.instances; i++) {
                        world.addInstance(REGION, "t3.micro", "running", i % 2 == 0 ? DEV : Map.of("env", "prod"));
                    }
                    UUID id = tenants.callAs(tenant, () -> accounts.create(new CloudAccounts.NewAccount("Bench account " + awsAccount, "aws",
                            role.arn(), List.of(REGION)))).id();
                    tenants.runAs(tenant, () -> jobs.create(new JobDefinition.Request("Start dev " + awsAccount, id.toString(), "start_instances",
                            schedule, "UTC", Map.of("regions", List.of(REGION), "tags", DEV))));
                    targets.add(new Target(tenant, id, tenants.callAs(tenant, () -> tx.execute(s -> connections.of(tenant, id)))));
                }
            }
        });
        double buildSeconds = seconds(t0);
        log(started, String.format(Locale.ROOT, "world built in %.1f s: %d tenants x %d accounts, %d instances each, one start_instances job each, "
                + "due at %s", buildSeconds, options.tenants, options.accountsPerTenant, options.instances, slot));

        // ------------------------------------------------ the same calls, bare
        sim.latency(Duration.ofMillis(options.latencyMillis));
        StsSessions sessions = context.getBean(StsSessions.class);
        AwsAccess aws = context.getBean(AwsAccess.class);
        Semaphore slots = new Semaphore(threads);
        AtomicInteger bareFailures = new AtomicInteger();
        long b0 = System.nanoTime();
        try (ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Target target : targets) {
                virtual.submit(() -> {
                    slots.acquireUninterruptibly();
                    try {
                        StsSessions.Session session = sessions.open(target.connection().role(), target.connection().externalId(),
                                StsSessions.Purpose.STOP, StsSessions.newName(target.tenant(), StsSessions.Purpose.STOP));
                        AwsAccess.Ec2Session ec2 = aws.ec2(session.credentials(), REGION);
                        List<String> ids = new ArrayList<>();
                        ec2.client().describeInstancesPaginator(b -> b.overrideConfiguration(ec2.signedAs())
                                        .filters(Filter.builder().name("tag:env").values("dev").build(),
                                                Filter.builder().name("instance-state-name").values("running").build()).maxResults(1000))
                                .reservations().forEach(r -> r.instances().forEach(i -> ids.add(i.instanceId())));
                        ec2.client().stopInstances(b -> b.overrideConfiguration(ec2.signedAs()).instanceIds(ids));
                    } catch (RuntimeException e) {
                        bareFailures.incrementAndGet();
                    } finally {
                        slots.release();
                    }
                });
            }
        }
        double bareSeconds = seconds(b0);
        if (bareFailures.get() > 0) {
            throw new IllegalStateException(bareFailures.get() + " accounts failed in the bare loop");
        }
        log(started, String.format(Locale.ROOT, "bare loop: %,d accounts' calls on %d virtual threads in %.1f s", total, threads, bareSeconds));

        // ------------------------------------------------ the sweep
        sim.clearCalls();
        System.gc();
        long cpu0 = HarnessSupport.processCpuNanos();
        double sweepSeconds;
        long heapPeak;
        try (Connection db = DriverManager.getConnection(HarnessSupport.databaseUrl(options.adminUrl, DATABASE), options.adminUser, null);
             Statement st = db.createStatement(); HarnessSupport.HeapWatch heap = new HarnessSupport.HeapWatch()) {
            clock.moveTo(slot);
            long s0 = System.nanoTime();
            while (true) {
                long ended;
                try (ResultSet rs = st.executeQuery("select count(*) from job_runs where trigger = 'schedule' and status not in ('queued', 'running')")) {
                    rs.next();
                    ended = rs.getLong(1);
                }
                if (ended >= total) {
                    sweepSeconds = seconds(s0);
                    break;
                }
                if (seconds(s0) > options.timeoutSeconds) {
                    sweepSeconds = seconds(s0);
                    log(started, (total - ended) + " runs had not ended after " + options.timeoutSeconds + " s");
                    break;
                }
                Thread.sleep(50);
            }
            heapPeak = heap.peak();
            double cpuSeconds = (HarnessSupport.processCpuNanos() - cpu0) / 1e9;
            Map<String, Long> calls = new TreeMap<>();
            sim.calls().forEach(c -> calls.merge(c.action(), 1L, Long::sum));
            Map<String, Integer> outcomes = new TreeMap<>();
            try (ResultSet rs = st.executeQuery("select status, count(*) from job_runs where trigger = 'schedule' group by status")) {
                while (rs.next()) {
                    outcomes.put(rs.getString(1), rs.getInt(2));
                }
            }
            Map<String, Double> runSeconds = new LinkedHashMap<>();
            try (ResultSet rs = st.executeQuery("""
                    select percentile_cont(array[0.5, 0.9, 0.99, 1]) within group (order by extract(epoch from finished_at - started_at))
                    from job_runs where trigger = 'schedule' and started_at is not null""")) {
                rs.next();
                Double[] p = (Double[]) rs.getArray(1).getArray();
                runSeconds.put("p50", p[0]);
                runSeconds.put("p90", p[1]);
                runSeconds.put("p99", p[2]);
                runSeconds.put("max", p[3]);
            }
            int stopped = 0;
            for (int i = 0; i < total; i++) {
                Account world = sim.account(String.valueOf(FIRST_ACCOUNT_ID + i));
                stopped += (int) world.instances(REGION).stream().filter(x -> !x.state().equals("running")).count();
            }
            System.gc();
            long heapAfter = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            int succeeded = outcomes.getOrDefault("succeeded", 0);
            int runs = outcomes.values().stream().mapToInt(Integer::intValue).sum();
            long callsPerRun = 3;
            log(started, String.format(Locale.ROOT, "sweep: %,d runs (%s) in %.1f s; bare loop %.1f s; %s; peak heap %d MiB; CPU %.1f s",
                    runs, outcomes, sweepSeconds, bareSeconds, calls, HarnessSupport.mib(heapPeak), cpuSeconds));
            if (stopped > 0) {
                try (ResultSet rs = st.executeQuery("select status, code, message, count(*) from job_runs group by 1, 2, 3")) {
                    while (rs.next()) {
                        log(started, "runs " + rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + ": " + rs.getLong(4));
                    }
                }
                throw new IllegalStateException(stopped + " instances are not running after the sweep");
            }
            String postgres;
            try (ResultSet rs = st.executeQuery("show server_version")) {
                rs.next();
                postgres = "PostgreSQL " + rs.getString(1);
            }
            return new JobSweepResults(LocalDate.now().toString(), HarnessSupport.jdk(), HarnessSupport.cpuModel(),
                    Runtime.getRuntime().availableProcessors(), HarnessSupport.totalMemory(), postgres, Runtime.getRuntime().maxMemory(),
                    options.tenants, options.accountsPerTenant, options.instances, threads,
                    env.getProperty("cloudwarden.jobs.per-tenant", Integer.class, 4), context.getBean(DatabaseSettings.class).poolSize(),
                    context.getBean(CloudSettings.class).syncConcurrency() * InventorySync.REGIONS_AT_ONCE + threads + 16,
                    options.latencyMillis, buildSeconds, bareSeconds, sweepSeconds, runs, succeeded, runs - succeeded, calls, runSeconds,
                    heapPeak, heapAfter, cpuSeconds, total * callsPerRun * options.latencyMillis / 1000.0, loadBefore, HarnessSupport.loadAverage());
        }
    }


    private static void log(long started, String message) {
        System.out.printf(Locale.ROOT, "job sweep bench [%5.1f s]: %s%n", seconds(started), message);
    }

    private record Options(Path out, Path work, int tenants, int accountsPerTenant, int instances, long latencyMillis, double timeoutSeconds,
                           boolean keep, String adminUrl, String adminUser, List<String> server) {

        static Options parse(String[] args) {
            List<String> server = new ArrayList<>();
            Map<String, String> own = HarnessSupport.ownArguments(args, Set.of("out", "work", "tenants", "accounts-per-tenant", "instances",
                    "latency-ms", "timeout", "keep"), server, "--out= --work= --tenants= --accounts-per-tenant= --instances= --latency-ms= --timeout= --keep");
            int accountsPerTenant = Integer.parseInt(own.getOrDefault("accounts-per-tenant", "100"));
            if (accountsPerTenant < 1 || accountsPerTenant > CloudAccounts.MAX_ACCOUNTS) {
                throw new IllegalArgumentException("--accounts-per-tenant must be 1-" + CloudAccounts.MAX_ACCOUNTS + " (the platform's limit)");
            }
            return new Options(Path.of(own.getOrDefault("out", "bench/target/job-sweep.json")),
                    Path.of(own.getOrDefault("work", "bench/target/jobs-bench")).toAbsolutePath(),
                    Integer.parseInt(own.getOrDefault("tenants", "100")), accountsPerTenant, Integer.parseInt(own.getOrDefault("instances", "4")),
                    Long.parseLong(own.getOrDefault("latency-ms", "50")), Double.parseDouble(own.getOrDefault("timeout", "600")),
                    Boolean.parseBoolean(own.getOrDefault("keep", "false")),
                    serverValue(server, "cloudwarden.database.admin-url", "jdbc:postgresql://127.0.0.1:5432/postgres"),
                    serverValue(server, "cloudwarden.database.admin-user", "postgres"), server);
        }
    }
}
