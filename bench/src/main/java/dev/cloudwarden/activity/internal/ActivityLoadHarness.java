package dev.cloudwarden.activity.internal;

import static dev.cloudwarden.bench.HarnessSupport.cpuModel;
import static dev.cloudwarden.bench.HarnessSupport.deleteRecursively;
import static dev.cloudwarden.bench.HarnessSupport.loadAverage;
import static dev.cloudwarden.bench.HarnessSupport.mib;
import static dev.cloudwarden.bench.HarnessSupport.processCpuNanos;
import static dev.cloudwarden.bench.HarnessSupport.seconds;
import static dev.cloudwarden.bench.HarnessSupport.serverValue;
import static dev.cloudwarden.bench.HarnessSupport.totalMemory;

import com.zaxxer.hikari.HikariDataSource;
import dev.cloudwarden.CloudwardenApplication;
import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityKeys;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.activity.Target;
import dev.cloudwarden.audit.Canonical;
import dev.cloudwarden.audit.Digest;
import dev.cloudwarden.audit.Event;
import dev.cloudwarden.audit.ExportFormat;
import dev.cloudwarden.audit.ExportVerifier;
import dev.cloudwarden.audit.PublishedKeys;
import dev.cloudwarden.bench.ActivityResults;
import dev.cloudwarden.bench.HarnessSupport;
import dev.cloudwarden.tenancy.DatabaseSettings;
import dev.cloudwarden.tenancy.TenantContext;
import jakarta.servlet.http.HttpServletRequest;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The activity history under load, run by {@code ./cloudwarden bench} after the JMH benchmarks (or
 * alone by {@code ./cloudwarden bench activity}); not JMH, since it needs the server's Spring context
 * and PostgreSQL. It starts the server's application context without the web server against a fresh
 * database of its own ({@value #DATABASE}, created and migrated by the dev bootstrap with the real
 * roles, dropped afterwards), creates {@value #TENANTS} tenants with keys as sign-up does, then:
 * <ol>
 * <li><b>appends</b>: 4 and 8 threads, each appending for a fixed time after a warm-up, spread over
 * the tenants and all on one tenant, through {@link ActivityLog#record} in a transaction of its own
 * with the tenant in scope (the real path: head lock, HMAC of a detail, hash, insert, head update,
 * commit), and back to back plain INSERTs of the same rows, one per transaction, into a scratch copy
 * of the events table with the same indexes, checks and RLS policy;</li>
 * <li><b>verification</b>: a synthetic export (a JDK Ed25519 key, a digest every 10,000 events)
 * checked by {@link ExportVerifier} in this JVM and by the standalone jar in a fresh one, against
 * {@code sha256sum} over the same file as the floor;</li>
 * <li><b>export</b>: a chain of one tenant loaded straight into the tables (chain computed here, COPY
 * as the superuser, digests signed by the server's key), streamed by {@link ActivityReader#export}
 * into a file while the heap is watched, then verified.</li>
 * </ol>
 * It writes what it measured as {@link ActivityResults} JSON, which {@code BenchmarkReport} renders
 * into BENCHMARKS.md. Run the harness JVM with a small heap ({@code -Xmx256m}, as the launcher does):
 * the export is larger than that, so finishing proves it streams.
 *
 * <p>Options: {@code --out=<results.json>} {@code --work=<dir>} {@code --verifier-jar=<jar>}
 * {@code --seconds=<measured seconds per point>} {@code --warmup=<seconds per point>}
 * {@code --threads=<thread counts, default 1,4,8; with 1 only the single tenant>}
 * {@code --events=<events in the verification and export runs>} {@code --keep} (keep the database
 * and files) {@code --synchronous-commit=off} (a diagnostic: commits do not wait for the WAL flush,
 * so the figures show what the CPUs allow rather than what the disk does); any other
 * {@code --key=value} goes to the server (e.g. {@code --cloudwarden.database.port=5433}).
 */
public final class ActivityLoadHarness {

    static final String DATABASE = "cloudwarden_bench_activity";
    static final int TENANTS = 100;
    private static final int DIGEST_EVERY = 10_000;
    private static final int USERS = 64;
    private static final String SOURCE_IP = "203.0.113.7";
    private static final String USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
    /** As real events: "role" is a clear key of user.enabled, "note" is not, so its value costs the tenant's HMAC. */
    private static final Map<String, String> DETAILS = Map.of("role", "ADMIN", "note", "x");
    private static final String ZERO_HASH = "0".repeat(Canonical.HASH_BYTES * 2);
    private static final String PLAIN_TABLE = "activity_events_plain";
    private static final String EVENT_COLUMNS = "tenant_id, seq, occurred_at, action, actor_type, actor_id, target_type, target_id, "
            + "source_ip, user_agent, details, prev_hash, hash";
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final Options options;
    private final TenantContext tenants;
    private final TransactionTemplate tx;
    private final JdbcClient jdbc;
    private final ActivityLog activity;
    private final ActivityReader reader;
    private final ActivityKeys keys;
    private final ConfigurableApplicationContext context;
    private final Clock clock;
    private final DatabaseSettings database;
    private final HikariDataSource dataSource;
    private final UUID[] users = new UUID[USERS];
    /** A detail value of the size a keyed hash has, for rows that are written without one. */
    private final String hashedLooking;
    private final long started = System.nanoTime();

    private ActivityLoadHarness(Options options, ConfigurableApplicationContext context) {
        this.options = options;
        this.tenants = context.getBean(TenantContext.class);
        this.tx = context.getBean(TransactionTemplate.class);
        this.jdbc = context.getBean(JdbcClient.class);
        this.activity = context.getBean(ActivityLog.class);
        this.reader = context.getBean(ActivityReader.class);
        this.keys = context.getBean(ActivityKeys.class);
        this.context = context;
        this.clock = context.getBean(Clock.class);
        this.database = context.getBean(DatabaseSettings.class);
        this.dataSource = context.getBean(HikariDataSource.class);
        for (int i = 0; i < USERS; i++) {
            users[i] = UUID.randomUUID();
        }
        byte[] random = new byte[Canonical.HASH_BYTES];
        ThreadLocalRandom.current().nextBytes(random);
        this.hashedLooking = "hmac:" + HexFormat.of().formatHex(random);
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        deleteRecursively(options.work);
        Files.createDirectories(options.work);
        dropDatabase(options);
        List<String> server = HarnessSupport.serverArguments(options.server, List.of( // defaults; the same key given on the command line wins
                "--spring.main.web-application-type=none",
                "--cloudwarden.environment=dev",
                "--cloudwarden.data-dir=" + options.work.resolve("data"),
                "--cloudwarden.database.name=" + DATABASE,
                "--cloudwarden.database.pool-size=12",
                "--cloudwarden.activity.digest-interval=PT1H", // no periodic digest in the middle of a measurement
                "--logging.level.root=WARN"));
        System.out.println("activity bench: starting the server's context (no web server) on database " + DATABASE);
        ActivityResults results;
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(CloudwardenApplication.class)
                .web(WebApplicationType.NONE).logStartupInfo(false).run(server.toArray(String[]::new))) {
            results = new ActivityLoadHarness(options, context).run();
        } finally {
            if (!options.keep) {
                dropDatabase(options);
                deleteRecursively(options.work);
            }
        }
        Files.createDirectories(options.out.toAbsolutePath().getParent());
        JSON.writerWithDefaultPrettyPrinter().writeValue(options.out.toFile(), results);
        System.out.println("activity bench: wrote " + options.out);
        if (!results.verification().inProcessOk() || !results.verification().jarOk() || !results.export().verified()
                || !results.export().appendChainVerified()) {
            System.err.println("activity bench: FAILED: an export did not verify (see above); BENCHMARKS.md is left as it was");
            System.exit(1);
        }
    }

    private ActivityResults run() throws Exception {
        double loadAverage = loadAverage();
        if (options.synchronousCommitOff) {
            // a diagnostic: commits stop waiting for the WAL flush, which shows what the CPUs allow
            try (Connection admin = DriverManager.getConnection(options.adminUrl, options.adminUser, null); Statement st = admin.createStatement()) {
                st.execute("alter database " + DATABASE + " set synchronous_commit = off");
            }
            dataSource.getHikariPoolMXBean().softEvictConnections();
        }
        String synchronousCommit = tx.execute(s -> jdbc.sql("show synchronous_commit").query(String.class).single());
        log("system load average " + loadAverage + ", synchronous_commit " + synchronousCommit);
        log("creating " + TENANTS + " tenants (keys as sign-up makes them)");
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < TENANTS; i++) {
            ids.add(createTenant("Bench organisation " + i, true));
        }
        createPlainTable();

        List<ActivityResults.Appends> appends = appends(ids);
        long chainEvents = tenants.callAs(ids.get(0), () -> tx.execute(s -> jdbc.sql("select seq from activity_chain_heads").query(Long.class).single()));
        ExportVerifier.Result appendChain = exportAndVerify(ids.get(0), options.work.resolve("single-tenant.ndjson"));
        log("the single tenant's chain after the appends: " + appendChain.events() + " events, " + (appendChain.ok() ? "verified" : appendChain.failure()));

        ActivityResults.Verification verification = verification();
        ActivityResults.Export export = export(appendChain);

        String postgres = jdbc.sql("show server_version").query(String.class).single();
        ActivityResults.Run run = new ActivityResults.Run(LocalDate.now().toString(),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"), cpuModel(),
                Runtime.getRuntime().availableProcessors(), totalMemory(), "PostgreSQL " + postgres, synchronousCommit,
                Runtime.getRuntime().maxMemory(), options.warmupSeconds, options.seconds, loadAverage, loadAverage(), seconds(started));
        if (chainEvents != appendChain.events()) {
            throw new IllegalStateException("the chain head says " + chainEvents + " events, the export held " + appendChain.events());
        }
        return new ActivityResults(run, appends, verification, export);
    }

    // ---------------------------------------------------------------- tenants

    /** A tenant as sign-up makes one: its keys stored and its name encrypted in its own scope and transaction. */
    private UUID createTenant(String name, boolean signUpEvent) {
        return HarnessSupport.createTenant(context, name, signUpEvent);
    }

    /**
     * The baseline's table, made by the owner role as a migration would: the events table's columns,
     * defaults, checks and indexes (so plain INSERTs pay the same index upkeep), the same RLS policy,
     * INSERT granted to the runtime role. No chain head, no trigger.
     */
    private void createPlainTable() throws SQLException {
        try (Connection owner = DriverManager.getConnection(database.jdbcUrl(), database.ownerUser(),
                database.ownerPassword() == null ? null : database.ownerPassword().reveal()); Statement st = owner.createStatement()) {
            st.execute("create table " + PLAIN_TABLE + " (like activity_events including all)");
            st.execute("alter table " + PLAIN_TABLE + " enable row level security");
            st.execute("alter table " + PLAIN_TABLE + " force row level security");
            st.execute("create policy tenant_isolation on " + PLAIN_TABLE
                    + " using (tenant_id = current_tenant_id()) with check (tenant_id = current_tenant_id())");
            st.execute("grant insert on " + PLAIN_TABLE + " to " + database.appUser());
        }
    }

    // ---------------------------------------------------------------- appends

    private List<ActivityResults.Appends> appends(List<UUID> ids) throws InterruptedException {
        UUID single = ids.get(0);
        AtomicLong plainSeq = new AtomicLong();
        IntFunction<Runnable> realSpread = thread -> () -> append(ids.get(ThreadLocalRandom.current().nextInt(ids.size())));
        IntFunction<Runnable> plainSpread = thread -> () -> insertPlain(ids.get(ThreadLocalRandom.current().nextInt(ids.size())), plainSeq);
        IntFunction<Runnable> realSingle = thread -> () -> append(single);
        IntFunction<Runnable> plainSingle = thread -> () -> insertPlain(single, plainSeq);

        log("warming up (JIT, pool, caches)");
        drive(4, Math.max(3, options.warmupSeconds * 2), 0, realSpread);
        drive(4, Math.max(2, options.warmupSeconds), 0, plainSpread);

        List<ActivityResults.Appends> results = new ArrayList<>();
        for (int threads : options.threads) {
            for (int chains : threads == 1 ? new int[] {1} : new int[] {TENANTS, 1}) {
                Load real = drive(threads, options.warmupSeconds, options.seconds, chains == 1 ? realSingle : realSpread);
                Load plain = drive(threads, options.warmupSeconds, options.seconds, chains == 1 ? plainSingle : plainSpread);
                ActivityResults.Appends point = new ActivityResults.Appends(chains, threads, real.rate(), plain.rate(),
                        real.cpuMicrosPerOp(), plain.cpuMicrosPerOp(), real.errors(), plain.errors());
                results.add(point);
                log(String.format(Locale.ROOT, "%3d tenant(s), %d threads: %,.0f appends/s, %,.0f plain INSERTs/s, overhead %.2fx;"
                                + " JVM CPU per op %.0f µs / %.0f µs%s",
                        chains, threads, real.rate(), plain.rate(), point.overhead(), real.cpuMicrosPerOp(), plain.cpuMicrosPerOp(),
                        real.errors() + plain.errors() > 0 ? " (errors: " + real.errors() + " real, " + plain.errors() + " plain)" : ""));
            }
        }
        return results;
    }

    /** The real path, as a module calls it: the tenant in scope, a transaction, one record. */
    private void append(UUID tenant) {
        UUID user = users[ThreadLocalRandom.current().nextInt(USERS)];
        tenants.runAs(tenant, () -> tx.executeWithoutResult(s -> activity.record(Action.USER_ENABLED, Target.user(user), DETAILS)));
    }

    /** The same row without the chain: no head lock, no hash, no HMAC; the same scope, transaction and row shape. */
    private void insertPlain(UUID tenant, AtomicLong seq) {
        UUID user = users[ThreadLocalRandom.current().nextInt(USERS)];
        tenants.runAs(tenant, () -> tx.executeWithoutResult(s -> jdbc.sql("insert into " + PLAIN_TABLE + " (" + EVENT_COLUMNS
                        + ") values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?)")
                .params(tenant, seq.incrementAndGet(), Instant.parse(Canonical.time(clock.instant())).atOffset(ZoneOffset.UTC),
                        Action.USER_ENABLED.id(), "user", user, "user", user.toString(), SOURCE_IP, USER_AGENT,
                        JSON.writeValueAsString(new TreeMap<>(Map.of("role", "ADMIN", "note", hashedLooking))),
                        new byte[Canonical.HASH_BYTES], new byte[Canonical.HASH_BYTES])
                .update()));
    }

    /** What a measured window did; {@code cpuSeconds}: this JVM's CPU time in it (the server's side, PostgreSQL's not included). */
    private record Load(long ops, long errors, double seconds, double cpuSeconds) {
        double rate() {
            return ops / seconds;
        }

        double cpuMicrosPerOp() {
            return cpuSeconds * 1e6 / ops;
        }
    }

    /**
     * {@code threads} threads run their operation in a loop for {@code warmup} seconds, then for
     * {@code measure} seconds, counted; each thread works as a request thread would (a client
     * address and browser in its request context, so events carry them as API-made events do).
     */
    private Load drive(int threads, double warmup, double measure, IntFunction<Runnable> work) throws InterruptedException {
        LongAdder ops = new LongAdder();
        LongAdder errors = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> firstError = new AtomicReference<>();
        HttpServletRequest request = request();
        List<Thread> running = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Runnable op = work.apply(i);
            running.add(Thread.ofPlatform().name("bench-append-" + i).start(() -> {
                RequestContextHolder.setRequestAttributes(new ServletRequestAttributes(request));
                try {
                    while (!stop.get()) {
                        try {
                            op.run();
                            ops.increment();
                        } catch (RuntimeException e) {
                            errors.increment();
                            firstError.compareAndSet(null, e);
                        }
                    }
                } finally {
                    RequestContextHolder.resetRequestAttributes();
                }
            }));
        }
        sleep(warmup);
        long ops0 = ops.sum();
        long errors0 = errors.sum();
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        sleep(measure);
        long ops1 = ops.sum();
        long errors1 = errors.sum();
        long cpu1 = processCpuNanos();
        long t1 = System.nanoTime();
        stop.set(true);
        for (Thread t : running) {
            t.join();
        }
        if (firstError.get() != null) {
            System.out.println("activity bench: first error: " + firstError.get());
            if (ops.sum() == 0) {
                throw new IllegalStateException("every operation failed", firstError.get());
            }
        }
        return new Load(ops1 - ops0, errors1 - errors0, (t1 - t0) / 1e9, (cpu1 - cpu0) / 1e9);
    }

    /** A request from a browser at a fixed address: what ClientAddress and the event's user agent read. */
    private static HttpServletRequest request() {
        return (HttpServletRequest) Proxy.newProxyInstance(HttpServletRequest.class.getClassLoader(), new Class<?>[] {HttpServletRequest.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getRemoteAddr" -> SOURCE_IP;
                    case "getHeader" -> "User-Agent".equalsIgnoreCase((String) args[0]) ? USER_AGENT : null;
                    case "getHeaders", "getHeaderNames", "getAttributeNames", "getParameterNames" -> Collections.emptyEnumeration();
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "bench request from " + SOURCE_IP;
                    default -> method.getReturnType() == boolean.class ? false
                            : method.getReturnType() == int.class ? 0 : method.getReturnType() == long.class ? 0L : null;
                });
    }

    // ---------------------------------------------------------------- verification

    private ActivityResults.Verification verification() throws Exception {
        long events = options.events;
        Path file = options.work.resolve("synthetic-export.ndjson");
        Path keyFile = options.work.resolve("synthetic-keys.json");
        log(String.format(Locale.ROOT, "writing a synthetic export of %,d events (digest every %,d, JDK Ed25519 key)", events, DIGEST_EVERY));
        KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        String keyId = "bench-ed25519";
        int digests = writeSynthetic(file, key, keyId, events);
        PublishedKeys published = new PublishedKeys(List.of(new PublishedKeys.Key(keyId, "Ed25519",
                Base64.getEncoder().encodeToString(key.getPublic().getEncoded()), "2000-01-01T00:00:00.000000Z", null)));
        JSON.writeValue(keyFile.toFile(), published);
        long bytes = Files.size(file);

        process(List.of("sha256sum", file.toString())); // the file into the page cache for all three
        Timed sha = process(List.of("sha256sum", file.toString()));
        log(String.format(Locale.ROOT, "sha256sum: %.2f s (%s)", sha.seconds(), sha.output().split(" ")[0]));

        long t0 = System.nanoTime();
        ExportVerifier.Result inProcess = new ExportVerifier(published, line -> { }).verify(file);
        double inProcessSeconds = seconds(t0);
        log(String.format(Locale.ROOT, "ExportVerifier in this JVM: %.2f s, %s", inProcessSeconds, inProcess.ok() ? "OK" : inProcess.failure()));

        Timed jar = process(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                options.verifierJar.toString(), file.toString(), keyFile.toString()));
        log(String.format(Locale.ROOT, "standalone jar (fresh JVM): %.2f s, exit %d: %s", jar.seconds(), jar.exit(), jar.output().strip()));
        Files.delete(file);
        return new ActivityResults.Verification(events, digests, DIGEST_EVERY, bytes, sha.seconds(), inProcessSeconds, jar.seconds(),
                inProcess.ok() && inProcess.events() == events, jar.exit() == 0);
    }

    /** Events as the chain makes them (Event.linkedTo), a digest every DIGEST_EVERY signed per Canonical.digest, then the digests. */
    private int writeSynthetic(Path file, KeyPair key, String keyId, long events) throws Exception {
        String tenant = UUID.randomUUID().toString();
        Instant base = Instant.now().minusSeconds(3600);
        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(key.getPrivate());
        List<Digest> digests = new ArrayList<>();
        String previous = ZERO_HASH;
        String previousSignature = "";
        long digested = 0;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16); JsonGenerator g = ExportFormat.lines(out)) {
            for (long seq = 1; seq <= events; seq++) {
                Event e = event(tenant, seq, base.plusNanos(seq * 1000)).linkedTo(previous);
                ExportFormat.write(g, e);
                previous = e.hash();
                if (seq % DIGEST_EVERY == 0 || seq == events) {
                    Digest unsigned = new Digest(tenant, digested + 1, seq, e.hash(), Canonical.time(Instant.now()), previousSignature, keyId, null);
                    signer.update(Canonical.digest(unsigned));
                    Digest d = new Digest(tenant, unsigned.firstSeq(), seq, e.hash(), unsigned.signedAt(), previousSignature, keyId,
                            Base64.getEncoder().encodeToString(signer.sign()));
                    digests.add(d);
                    previousSignature = d.signature();
                    digested = seq;
                }
            }
            for (Digest d : digests) {
                ExportFormat.write(g, d);
            }
            g.writeRaw('\n');
        }
        return digests.size();
    }

    /** An event of the shape the append runs make: a user acting on a user, from a browser, one clear and one hashed detail. */
    private Event event(String tenant, long seq, Instant at) {
        String user = users[(int) (seq % USERS)].toString();
        return new Event(tenant, seq, Canonical.time(at), Action.USER_ENABLED.id(), "user", user, "user", user, SOURCE_IP, USER_AGENT,
                Map.of("role", "ADMIN", "note", hashedLooking), null, null);
    }

    private record Timed(double seconds, int exit, String output) {
    }

    private static Timed process(List<String> command) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = p.waitFor();
        return new Timed(seconds(t0), exit, output);
    }

    // ---------------------------------------------------------------- export

    private ActivityResults.Export export(ExportVerifier.Result appendChain) throws Exception {
        long events = options.events;
        UUID tenant = createTenant("Bench export organisation", false);
        log(String.format(Locale.ROOT, "loading %,d chained events for one tenant (COPY as the superuser, digests signed by the server's key)", events));
        long t0 = System.nanoTime();
        loadChain(tenant, events);
        double loadSeconds = seconds(t0);
        log(String.format(Locale.ROOT, "loaded in %.1f s; exporting", loadSeconds));

        Path file = options.work.resolve("export.ndjson");
        System.gc();
        long before = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        double exportSeconds;
        HarnessSupport.HeapWatch heap = new HarnessSupport.HeapWatch();
        try (heap) {
            t0 = System.nanoTime();
            try (OutputStream out = Files.newOutputStream(file)) {
                tenants.runAs(tenant, () -> reader.export(out));
            }
            exportSeconds = seconds(t0);
        }
        long bytes = Files.size(file);
        System.gc();
        long after = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        log(String.format(Locale.ROOT, "exported %,d bytes in %.1f s; heap: %d MiB after a full GC before, peak %d MiB, "
                        + "%d MiB after a full GC after, limit %d MiB",
                bytes, exportSeconds, mib(before), mib(heap.peak()), mib(after), mib(Runtime.getRuntime().maxMemory())));

        String[] message = new String[1];
        t0 = System.nanoTime();
        ExportVerifier.Result result = new ExportVerifier(keys.publishedKeys(), line -> message[0] = line).verify(file);
        double verifySeconds = seconds(t0);
        log(String.format(Locale.ROOT, "verified in %.1f s: %s", verifySeconds, message[0]));
        Files.delete(file);
        return new ActivityResults.Export(events, loadSeconds, exportSeconds, bytes, before, heap.peak(), after, verifySeconds,
                result.ok() && result.events() == events, message[0],
                appendChain.events(), appendChain.ok());
    }

    /** Exports a tenant's chain through the reader and checks it with the verifier and the server's published keys. */
    private ExportVerifier.Result exportAndVerify(UUID tenant, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            tenants.runAs(tenant, () -> reader.export(out));
        }
        ExportVerifier.Result result = new ExportVerifier(keys.publishedKeys(), line -> { }).verify(file);
        Files.delete(file);
        return result;
    }

    /**
     * Writes {@code events} events of a chain computed here straight into activity_events (COPY as the
     * superuser: COPY FROM does not run under row-level security, and the append-only trigger allows
     * INSERT), then, in the tenant's scope as the runtime role, a digest every DIGEST_EVERY events
     * signed by the server's current key and the chain head, as if they had been appended one by one.
     */
    private void loadChain(UUID tenant, long events) throws SQLException {
        String id = tenant.toString();
        Instant base = clock.instant().minusSeconds(events / 1000 + 60);
        List<String> digestHashes = new ArrayList<>();
        String previous = ZERO_HASH;
        try (Connection admin = DriverManager.getConnection(databaseAdminUrl(options), options.adminUser, null)) {
            CopyIn copy = admin.unwrap(PGConnection.class).getCopyAPI().copyIn("copy activity_events (" + EVENT_COLUMNS + ") from stdin");
            try {
                StringBuilder rows = new StringBuilder(1 << 22);
                for (long seq = 1; seq <= events; seq++) {
                    Event e = event(id, seq, base.plusNanos(seq * 1000)).linkedTo(previous);
                    rows.append(id).append('\t').append(seq).append('\t').append(e.occurredAt()).append('\t').append(e.action()).append('\t')
                            .append(e.actorType()).append('\t').append(e.actorId()).append('\t').append(e.targetType()).append('\t')
                            .append(copyText(e.targetId())).append('\t').append(copyText(e.sourceIp())).append('\t').append(copyText(e.userAgent()))
                            .append('\t').append(copyText(JSON.writeValueAsString(new TreeMap<>(e.details())))).append('\t')
                            .append("\\\\x").append(e.prevHash()).append('\t').append("\\\\x").append(e.hash()).append('\n');
                    if (rows.length() > 1 << 22) {
                        byte[] chunk = rows.toString().getBytes(StandardCharsets.UTF_8);
                        copy.writeToCopy(chunk, 0, chunk.length);
                        rows.setLength(0);
                    }
                    previous = e.hash();
                    if (seq % DIGEST_EVERY == 0 || seq == events) {
                        digestHashes.add(seq + ":" + e.hash());
                    }
                }
                byte[] chunk = rows.toString().getBytes(StandardCharsets.UTF_8);
                copy.writeToCopy(chunk, 0, chunk.length);
                copy.endCopy();
            } finally {
                if (copy.isActive()) {
                    copy.cancelCopy();
                }
            }
            try (Statement st = admin.createStatement()) {
                st.execute("analyze activity_events"); // as autovacuum would after a load this size
            }
        }
        String head = previous;
        tenants.runAs(tenant, () -> tx.executeWithoutResult(s -> {
            ActivityKeys.Signer signer = keys.currentSigner();
            String previousSignature = "";
            long first = 1;
            // the database accepts a digest only over the events after the last one, up to the head (V10):
            // the head walks along with the digests, as it would have with the appends
            jdbc.sql("insert into activity_chain_heads (tenant_id) values (?)").param(tenant).update();
            for (String entry : digestHashes) {
                long last = Long.parseLong(entry.substring(0, entry.indexOf(':')));
                String hash = entry.substring(entry.indexOf(':') + 1);
                jdbc.sql("update activity_chain_heads set seq = ?, hash = ? where tenant_id = ?")
                        .params(last, HexFormat.of().parseHex(hash), tenant).update();
                Digest unsigned = new Digest(id, first, last, hash, Canonical.time(clock.instant()), previousSignature, signer.keyId(), null);
                byte[] signature = signer.sign(Canonical.digest(unsigned));
                jdbc.sql("""
                                insert into activity_digests (tenant_id, first_seq, last_seq, last_hash, signed_at, previous_signature, key_id, signature)
                                values (?, ?, ?, ?, ?, ?, ?, ?)""")
                        .params(tenant, first, last, HexFormat.of().parseHex(hash), Instant.parse(unsigned.signedAt()).atOffset(ZoneOffset.UTC),
                                previousSignature.isEmpty() ? null : Base64.getDecoder().decode(previousSignature), signer.keyId(), signature)
                        .update();
                jdbc.sql("update activity_chain_heads set digested_seq = seq where tenant_id = ?").param(tenant).update();
                previousSignature = Base64.getEncoder().encodeToString(signature);
                first = last + 1;
            }
            jdbc.sql("update activity_chain_heads set seq = ?, hash = ? where tenant_id = ?")
                    .params(events, HexFormat.of().parseHex(head), tenant).update();
        }));
    }

    /** A value in COPY's text format. */
    private static String copyText(String value) {
        if (value == null) {
            return "\\N";
        }
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r");
    }

    // ---------------------------------------------------------------- plumbing

    private void log(String message) {
        System.out.printf(Locale.ROOT, "activity bench [%5.1f s]: %s%n", seconds(started), message);
    }

    private static void sleep(double seconds) throws InterruptedException {
        Thread.sleep((long) (seconds * 1000));
    }

    private static String databaseAdminUrl(Options options) {
        return HarnessSupport.databaseUrl(options.adminUrl, DATABASE);
    }

    private static void dropDatabase(Options options) {
        HarnessSupport.dropDatabase(options.adminUrl, options.adminUser, DATABASE, "activity bench");
    }

    /** The command line: the harness's own options, and the rest for the server. */
    private record Options(Path out, Path work, Path verifierJar, double seconds, double warmupSeconds, int[] threads, long events, boolean keep,
                           boolean synchronousCommitOff, String adminUrl, String adminUser, List<String> server) {

        static Options parse(String[] args) {
            List<String> server = new ArrayList<>();
            Map<String, String> own = HarnessSupport.ownArguments(args, Set.of("out", "work", "verifier-jar", "seconds", "warmup", "threads",
                            "events", "keep", "synchronous-commit"), server,
                    "--out= --work= --verifier-jar= --seconds= "
                            + "--warmup= --threads= --events= --keep --synchronous-commit=off");
            String adminUrl = serverValue(server, "cloudwarden.database.admin-url", "jdbc:postgresql://127.0.0.1:5432/postgres");
            String adminUser = serverValue(server, "cloudwarden.database.admin-user", "postgres");
            return new Options(Path.of(own.getOrDefault("out", "bench/target/activity.json")),
                    Path.of(own.getOrDefault("work", "bench/target/activity-bench")).toAbsolutePath(),
                    Path.of(own.getOrDefault("verifier-jar", "audit-verify/target/cloudwarden-audit-verify.jar")),
                    Double.parseDouble(own.getOrDefault("seconds", "10")), Double.parseDouble(own.getOrDefault("warmup", "2")),
                    Stream.of(own.getOrDefault("threads", "1,4,8").split(",")).mapToInt(Integer::parseInt).toArray(),
                    Long.parseLong(own.getOrDefault("events", "1000000")), Boolean.parseBoolean(own.getOrDefault("keep", "false")),
                    "off".equals(own.getOrDefault("synchronous-commit", "on")), adminUrl, adminUser, server);
        }
    }
}
