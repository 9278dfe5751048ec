package dev.cloudwarden.bench;

import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.activity.Target;
import dev.cloudwarden.crypto.FieldCrypto;
import dev.cloudwarden.crypto.TenantKeyring;
import dev.cloudwarden.crypto.TenantKeys;
import dev.cloudwarden.tenancy.TenantContext;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What the load harnesses that run the server's Spring context share (the activity history's and
 * the cloud inventory sync's): the server's command line, their own database, tenants made as
 * sign-up makes them, a heap watch, and the facts about the machine that their sections print.
 */
public final class HarnessSupport {

    private static final FieldCrypto.Field TENANT_NAME = new FieldCrypto.Field("tenants", "name_ciphertext");

    private HarnessSupport() {
    }

    // ---------------------------------------------------------------- the server's command line

    /** {@code given}, then each default whose key is not given (the same key twice would make Spring join both values). */
    public static List<String> serverArguments(List<String> given, List<String> defaults) {
        List<String> server = new ArrayList<>(given);
        for (String setting : defaults) {
            String key = setting.substring(0, setting.indexOf('=') + 1);
            if (given.stream().noneMatch(arg -> arg.startsWith(key))) {
                server.add(setting);
            }
        }
        return server;
    }

    /**
     * Splits a harness's command line: {@code --name[=value]} of one of {@code names} is the harness's
     * own (a bare flag is {@code true}), any other {@code --key=value} goes to {@code server}; anything
     * else is refused with {@code usage}.
     */
    public static java.util.Map<String, String> ownArguments(String[] args, java.util.Set<String> names, List<String> server, String usage) {
        java.util.Map<String, String> own = new java.util.TreeMap<>();
        for (String arg : args) {
            String name = arg.startsWith("--") ? arg.substring(2).split("=", 2)[0] : "";
            if (names.contains(name)) {
                own.put(name, arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : "true");
            } else if (arg.startsWith("--") && arg.contains("=")) {
                server.add(arg);
            } else {
                throw new IllegalArgumentException("unknown argument " + arg + " (options: " + usage + ", or --<server property>=<value>)");
            }
        }
        return own;
    }

    /** The last value of {@code --name=value} among the server's arguments, or {@code fallback}. */
    public static String serverValue(List<String> server, String name, String fallback) {
        String value = fallback;
        for (String arg : server) {
            if (arg.startsWith("--" + name + "=")) {
                value = arg.substring(name.length() + 3);
            }
        }
        return value;
    }

    // ---------------------------------------------------------------- the harness's own database

    /** The admin connection's URL pointed at {@code database} instead. */
    public static String databaseUrl(String adminUrl, String database) {
        return adminUrl.replaceFirst("/[^/?]*(\\?|$)", "/" + database + "$1");
    }

    /** Drops {@code database} if it exists, through the admin connection (the dev bootstrap's); {@code who} names the harness in errors. */
    public static void dropDatabase(String adminUrl, String adminUser, String database, String who) {
        try (Connection admin = DriverManager.getConnection(adminUrl, adminUser, null); Statement st = admin.createStatement()) {
            st.execute("drop database if exists " + database + " with (force)");
        } catch (SQLException e) {
            throw new IllegalStateException("the " + who + " needs PostgreSQL at " + adminUrl + " with user " + adminUser
                    + " allowed in without a password (the dev bootstrap's admin connection): " + e.getMessage(), e);
        }
    }

    public static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    // ---------------------------------------------------------------- tenants

    /**
     * A tenant as sign-up makes one: its keys generated and stored and its name encrypted, in its
     * own scope and transaction; with {@code signUpEvent}, the first event of its chain as at sign-up.
     */
    public static UUID createTenant(ApplicationContext context, String name, boolean signUpEvent) {
        TenantContext tenants = context.getBean(TenantContext.class);
        TransactionTemplate tx = context.getBean(TransactionTemplate.class);
        JdbcClient jdbc = context.getBean(JdbcClient.class);
        TenantKeyring keyring = context.getBean(TenantKeyring.class);
        FieldCrypto crypto = context.getBean(FieldCrypto.class);
        ActivityLog activity = context.getBean(ActivityLog.class);
        UUID id = UUID.randomUUID();
        UUID owner = UUID.randomUUID();
        tenants.runAs(id, () -> tx.executeWithoutResult(s -> {
            TenantKeys tenantKeys = keyring.generate(id);
            keyring.store(tenantKeys);
            jdbc.sql("insert into tenants (id, name_ciphertext) values (?, ?)").params(id, crypto.encryptString(id, TENANT_NAME, id, name)).update();
            if (signUpEvent) {
                activity.record(Action.USER_SIGNED_UP, Target.user(owner)); // the first event of its chain, as at sign-up
            }
        }));
        return id;
    }

    // ---------------------------------------------------------------- heap

    /** The highest heap use, sampled every 5 ms while it is open (garbage not yet collected included). */
    public static final class HeapWatch implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread sampler;
        private volatile long peak;

        public HeapWatch() {
            sampler = Thread.ofPlatform().daemon().name("bench-heap").start(() -> {
                while (running.get()) {
                    peak = Math.max(peak, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        public long peak() {
            return peak;
        }

        @Override
        public void close() {
            running.set(false);
            try {
                sampler.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---------------------------------------------------------------- the machine

    public static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    public static long mib(long bytes) {
        return bytes / (1024 * 1024);
    }

    public static String cpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst()
                    .orElse(System.getProperty("os.arch"));
        } catch (IOException e) {
            return System.getProperty("os.arch");
        }
    }

    public static double loadAverage() {
        return Math.round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage() * 100) / 100.0;
    }

    /** This JVM's CPU time so far (0 where the JVM does not say). */
    public static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : 0;
    }

    public static long totalMemory() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os ? os.getTotalMemorySize() : 0;
    }

    public static String jdk() {
        return System.getProperty("java.vm.name") + " " + System.getProperty("java.version");
    }

    // ---------------------------------------------------------------- plumbing

    public static String randomText(java.security.SecureRandom random, String alphabet, int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    /** {@code n} platform threads, one per index; the first failure is rethrown. */
    public static void inParallel(int n, java.util.function.IntConsumer work) throws InterruptedException {
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int index = i;
            threads.add(Thread.ofPlatform().name("bench-" + i).start(() -> {
                try {
                    work.accept(index);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("a bench thread failed: " + failure.get(), failure.get());
        }
    }
}
