package dev.cloudwarden.cloudsim;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The sandbox as a process: {@code java -jar cloudwarden-cloud-sim.jar --platform-key-id … --platform-secret-file …
 * --platform-principal …}. Prints the endpoint on stdout, then runs until killed.
 */
public final class Main {

    private static final String USAGE = """
            usage: java -jar cloudwarden-cloud-sim.jar --platform-key-id ID --platform-secret-file FILE --platform-principal ARN
                   [--host 127.0.0.1] [--port 4566] [--pkcs12 FILE --pkcs12-password PW]
                   [--demo-account 123456789012 [--demo-external-id ID]] [--accounts N --instances-per-region M] [--latency-ms MS]
            """;
    private static final Set<String> FLAGS = Set.of("--host", "--port", "--pkcs12", "--pkcs12-password", "--platform-key-id",
            "--platform-secret-file", "--platform-principal", "--demo-account", "--demo-external-id", "--accounts",
            "--instances-per-region", "--latency-ms");

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options;
        try {
            options = options(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        CloudSim sim = start(options);
        Runtime.getRuntime().addShutdownHook(new Thread(sim::close));
        System.out.println(sim.endpoint());
        System.out.flush();
        new CountDownLatch(1).await();
    }

    /** Starts a sandbox as the options say, with its demo and benchmark worlds. */
    static CloudSim start(Map<String, String> options) throws IOException, GeneralSecurityException {
        String principal = options.get("--platform-principal");
        String secret = Files.readString(Path.of(options.get("--platform-secret-file"))).strip();
        SSLContext tls = options.containsKey("--pkcs12") ? tls(Path.of(options.get("--pkcs12")), options.getOrDefault("--pkcs12-password", ""))
                : null;
        CloudSim sim = CloudSim.start(new CloudSim.Config(options.get("--platform-key-id"), secret, principal, Clock.systemUTC(),
                options.getOrDefault("--host", "127.0.0.1"), Integer.parseInt(options.getOrDefault("--port", "4566")), tls));
        if (options.containsKey("--demo-account")) {
            String demo = options.get("--demo-account");
            sim.seedDemo(demo);
            if (options.containsKey("--demo-external-id")) {
                // the role the platform's CloudFormation stack would have made there
                sim.addRole(new CloudSim.Role(demo, "CloudwardenAccess", principal, options.get("--demo-external-id")));
            }
        }
        int accounts = Integer.parseInt(options.getOrDefault("--accounts", "0"));
        int perRegion = Integer.parseInt(options.getOrDefault("--instances-per-region", "0"));
        for (int n = 0; n < accounts; n++) {
            String accountId = benchmarkAccount(n);
            sim.addRole(new CloudSim.Role(accountId, "CloudwardenAccess", principal, "cw-bench-" + accountId));
            Account account = sim.account(accountId);
            for (String region : new String[] {"us-east-1", "eu-west-1"}) {
                for (int i = 0; i < perRegion; i++) {
                    account.addInstance(region, i % 3 == 0 ? "m5.large" : "t3.medium", i % 4 == 3 ? "stopped" : "running",
                            Map.of("Name", "bench-" + i, "env", i % 2 == 0 ? "prod" : "dev", "team", "team-" + (i % 5)));
                }
            }
        }
        if (accounts > 0) {
            System.err.println("benchmark world: accounts " + benchmarkAccount(0) + ".." + benchmarkAccount(accounts - 1)
                    + ", role CloudwardenAccess, external id cw-bench-<account>, " + perRegion + " instances in us-east-1 and eu-west-1");
        }
        long latency = Long.parseLong(options.getOrDefault("--latency-ms", "0"));
        sim.latency(Duration.ofMillis(latency));
        return sim;
    }

    /** Benchmark account ids: 12 digits, 100000000000 onwards. */
    static String benchmarkAccount(int n) {
        return String.format("%012d", 100_000_000_000L + n);
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--help") || args[i].equals("-h")) {
                throw new IllegalArgumentException("cloud-sim: the sandbox AWS");
            }
            if (!FLAGS.contains(args[i]) || i + 1 >= args.length) {
                throw new IllegalArgumentException("unknown option or missing value: " + args[i]);
            }
            options.put(args[i], args[++i]);
        }
        for (String required : new String[] {"--platform-key-id", "--platform-secret-file", "--platform-principal"}) {
            if (!options.containsKey(required)) {
                throw new IllegalArgumentException("missing " + required);
            }
        }
        if (options.containsKey("--demo-account") && !options.get("--demo-account").matches("\\d{12}")) {
            throw new IllegalArgumentException("--demo-account takes a 12-digit account id");
        }
        try {
            for (String number : new String[] {"--port", "--accounts", "--instances-per-region", "--latency-ms"}) {
                if (options.containsKey(number) && Long.parseLong(options.get(number)) < 0) {
                    throw new IllegalArgumentException(number + " must not be negative");
                }
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: " + e.getMessage());
        }
        return options;
    }

    /** A server SSLContext from a PKCS#12 key store holding the key and its certificate chain. */
    static SSLContext tls(Path pkcs12, String password) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(pkcs12)) {
            store.load(in, password.toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, password.toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }
}
