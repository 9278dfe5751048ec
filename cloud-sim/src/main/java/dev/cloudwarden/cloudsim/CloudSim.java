package dev.cloudwarden.cloudsim;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * The sandbox AWS: one HTTP(S) endpoint that answers the real AWS SDK as AWS would, for simulated
 * accounts. Like LocalStack's edge port, every service shares it: the service and region come from
 * the request's SigV4 credential scope. STS ({@link StsApi}) and EC2 ({@link Ec2Api}) speak the
 * Query protocol, KMS ({@link KmsApi}) JSON 1.1. Every request's signature is verified; the key
 * decides who is calling ({@link Iam}): the platform's own key (STS and KMS only), an account's IAM
 * user (full access to its account), or temporary credentials from AssumeRole (the role's policy,
 * intersected with the session policy, in the role's account). Tests can inject faults and latency
 * ({@link #failNext}, {@link #latency}) and read back every call ({@link #calls()}).
 */
public final class CloudSim implements AutoCloseable {

    /** IAM policy JSON: the policy a role created by the platform's CloudFormation template carries. */
    public static final String READ_ONLY_POLICY = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"CloudwardenReadOnly\","
            + "\"Effect\":\"Allow\",\"Action\":[\"ec2:Describe*\"],\"Resource\":\"*\"}]}";

    /** A role in a simulated account, as a CloudFormation stack of the platform's template would make it. */
    public record Role(String accountId, String name, String trustedPrincipalArn, String externalId, String policyDocument) {
        public Role {
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(trustedPrincipalArn, "trustedPrincipalArn");
            Policy.parse(Objects.requireNonNull(policyDocument, "policyDocument"));
        }

        /** A role carrying {@link #READ_ONLY_POLICY}. A null {@code externalId} means the trust policy has no external-ID condition. */
        public Role(String accountId, String name, String trustedPrincipalArn, String externalId) {
            this(accountId, name, trustedPrincipalArn, externalId, READ_ONLY_POLICY);
        }

        public String arn() {
            return "arn:aws:iam::" + accountId + ":role/" + name;
        }
    }

    /** How to run the sandbox. {@code port} 0: any free port; {@code tls} null: plain HTTP. */
    public record Config(String platformAccessKeyId, String platformSecret, String platformPrincipalArn, Clock clock,
                         String host, int port, SSLContext tls) {
        public Config {
            Objects.requireNonNull(platformAccessKeyId, "platformAccessKeyId");
            Objects.requireNonNull(platformSecret, "platformSecret");
            Objects.requireNonNull(platformPrincipalArn, "platformPrincipalArn");
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(host, "host");
        }
    }

    /** An access key pair. Its string form never shows the secret. */
    public record AccessKey(String accessKeyId, String secretAccessKey) {
        public AccessKey {
            Objects.requireNonNull(accessKeyId, "accessKeyId");
            Objects.requireNonNull(secretAccessKey, "secretAccessKey");
        }

        @Override
        public String toString() {
            return "AccessKey[accessKeyId=" + accessKeyId + ", secretAccessKey=****]";
        }
    }

    /** One request the sandbox answered (or refused): who called with which credentials, and how it ended. */
    public record Call(Instant at, String accessKeyId, String accountId, String roleArn, String roleSessionName, String service,
                       String action, String region, String errorCode) {
    }

    public enum FaultKind { THROTTLE, SERVER_ERROR, DROP_CONNECTION }

    /** The record of calls keeps the latest this many, so a long-running sandbox stays bounded. */
    static final int MAX_CALLS_KEPT = 200_000;
    private static final Pattern SCOPE = Pattern.compile("Credential=([^/,\\s]+)/\\d{8}/([^/]+)/([^/]+)/aws4_request");
    private static final int MAX_BODY = 256 * 1024;
    private static final System.Logger LOG = System.getLogger(CloudSim.class.getName());

    private final Config config;
    private final Iam iam;
    private final Map<String, Account> accounts = new ConcurrentHashMap<>();
    private final StsApi sts;
    private final Ec2Api ec2;
    private final KmsApi kms;
    private final Faults faults = new Faults();
    private final ArrayDeque<Call> calls = new ArrayDeque<>();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpServer server;

    static {
        // The JDK server closes a keep-alive connection as soon as its answer is sent once 200 are
        // idle; a thousand concurrent callers would keep meeting closed connections. Keep more open
        // (read once, when the JDK server is first used; an explicit setting wins).
        if (System.getProperty("sun.net.httpserver.maxIdleConnections") == null) {
            System.setProperty("sun.net.httpserver.maxIdleConnections", "8192");
        }
    }

    private CloudSim(Config config) throws IOException {
        this.config = config;
        this.iam = new Iam(config.platformAccessKeyId(), config.platformSecret(), config.platformPrincipalArn(), config.clock());
        this.sts = new StsApi(iam);
        this.ec2 = new Ec2Api(this::account);
        this.kms = new KmsApi(config.clock());
        InetSocketAddress address = new InetSocketAddress(config.host(), config.port());
        if (config.tls() == null) {
            this.server = HttpServer.create(address, 1024);
        } else {
            HttpsServer https = HttpsServer.create(address, 1024);
            https.setHttpsConfigurator(new HttpsConfigurator(config.tls()));
            this.server = https;
        }
        // a virtual thread per request: injected latency must not serialise concurrent callers
        this.server.setExecutor(executor);
        this.server.createContext("/", this::handle);
    }

    public static CloudSim start(Config config) throws IOException {
        CloudSim sim = new CloudSim(config);
        sim.server.start();
        return sim;
    }

    /** Starts the sandbox on 127.0.0.1 over plain HTTP ({@code port} 0: any free port) for the platform's credentials. */
    public static CloudSim start(String platformAccessKeyId, String platformSecret, String platformPrincipalArn, Clock clock, int port)
            throws IOException {
        return start(new Config(platformAccessKeyId, platformSecret, platformPrincipalArn, clock, "127.0.0.1", port, null));
    }

    /** {@code http://127.0.0.1:PORT} or {@code https://…}: what an SDK's endpoint override takes. */
    public String endpoint() {
        String host = config.host();
        if (host.equals("0.0.0.0") || host.equals("::") || host.isEmpty()) {
            host = "127.0.0.1";
        } else if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return (config.tls() == null ? "http" : "https") + "://" + host + ":" + server.getAddress().getPort();
    }

    public void addRole(Role role) {
        iam.addRole(role);
    }

    /** Deletes a role, as deleting the customer's stack would: AssumeRole is refused, and its sessions stop working. */
    public void removeRole(String roleArn) {
        iam.removeRole(roleArn);
    }

    /** Temporary credentials AssumeRole issued, as the caller received them. Their text never shows the secrets. */
    public record Issued(String roleArn, String roleSessionName, AccessKey key, String sessionToken) {
        @Override
        public String toString() {
            return "Issued[" + roleArn + ", " + roleSessionName + ", " + key.accessKeyId() + "]";
        }
    }

    /** The temporary credentials issued so far (those of the last day at least), so tests can look for them where they must not be. */
    public List<Issued> issued() {
        return iam.sessions().stream().map(s -> new Issued(s.role().arn(), s.sessionName(), new AccessKey(s.accessKeyId(), s.secret()),
                s.token())).toList();
    }

    /**
     * Every temporary credential issued so far expires now: later calls with them are refused as
     * expired, as AWS refuses a session whose end its clock has passed while the caller's has not.
     */
    public void expireSessions() {
        iam.expireSessions(config.clock().instant());
    }

    /** The simulated account's world, created on first use. */
    public Account account(String accountId) {
        return accounts.computeIfAbsent(accountId, id -> new Account(id, config.clock()));
    }

    /**
     * An IAM user of the account with full access to it (the customer's own side, e.g. for the aws
     * CLI). {@code key} null: a new key pair is made. Returns the user's key.
     */
    public AccessKey addUser(String accountId, String userName, AccessKey key) {
        return iam.addUser(accountId, userName, key);
    }

    /**
     * A new symmetric KMS key in the account and region; its ARN. Principals of that account may
     * use it in that region: the platform's key when {@code accountId} is the platform's own (the
     * account in its principal's ARN), the account's IAM users, and role sessions whose policies
     * allow the kms: action. Other accounts are refused (AccessDeniedException), as with a default key policy.
     */
    public String createKey(String accountId, String region) {
        return kms.createKey(accountId, region);
    }

    /**
     * A realistic small world: five instances (running and stopped, env=dev and env=prod among both) in
     * us-east-1 and eu-west-1, a root volume attached to each, one data volume more, and one
     * unattached volume. Each call adds another such set.
     */
    public void seedDemo(String accountId) {
        Account a = account(accountId);
        record Seed(String region, String type, String state, String name, String env, String team, int rootGiB) {
        }
        List<Seed> seeds = List.of(
                new Seed("us-east-1", "m5.large", "running", "web-prod-1", "prod", "storefront", 30),
                new Seed("us-east-1", "m5.large", "running", "web-prod-2", "prod", "storefront", 30),
                new Seed("us-east-1", "t3.medium", "running", "batch-dev", "dev", "data", 50),
                new Seed("eu-west-1", "c6i.xlarge", "running", "api-eu-prod", "prod", "payments", 40),
                new Seed("eu-west-1", "t3.small", "stopped", "sandbox-dev", "dev", "platform", 8));
        Account.Instance first = null;
        for (Seed s : seeds) {
            Account.Instance i = a.addInstance(s.region(), s.type(), s.state(), Map.of("Name", s.name(), "env", s.env(), "team", s.team()));
            a.addVolume(s.region(), s.rootGiB(), i.id(), Map.of("Name", s.name() + "-root", "env", s.env()));
            if (first == null) {
                first = i;
            }
        }
        a.addVolume("us-east-1", 200, first.id(), Map.of("Name", "web-prod-1-data", "env", "prod", "team", "storefront"));
        a.addVolume("eu-west-1", 100, null, Map.of("Name", "orphaned-scratch", "env", "dev"));
    }

    /** Every request the sandbox answered (or refused), oldest first (the latest {@value #MAX_CALLS_KEPT}). */
    public List<Call> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    public void clearCalls() {
        synchronized (calls) {
            calls.clear();
        }
    }

    /** The next {@code times} calls of {@code action} ("ec2:DescribeInstances", "sts:AssumeRole", "kms:*" or "*") fail with {@code kind}. */
    public void failNext(String action, FaultKind kind, int times) {
        faults.failNext(action, kind, times);
    }

    /** Added latency before answering every call ({@link Duration#ZERO} to stop). */
    public void latency(Duration perCall) {
        faults.latency(perCall);
    }

    public void clearFaults() {
        faults.clear();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    /** What a request says about itself before its signature is checked: enough to route it and to record it. */
    private record Envelope(String accessKeyId, String service, String region, String action) {
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Instant at = config.clock().instant();
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readNBytes(MAX_BODY + 1);
            }
            Map<String, List<String>> headers = new HashMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), values));
            SigV4.Request request = new SigV4.Request(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                    exchange.getRequestURI().getRawQuery(), headers, body);
            String target = request.header("x-amz-target");
            // the Query protocol's parameters come in a form body, or in the URL of a GET
            String form = body.length == 0 && request.rawQuery() != null ? request.rawQuery() : new String(body, StandardCharsets.UTF_8);
            Query query = target == null ? Query.parse(form) : new Query(Map.of());
            Envelope envelope = envelope(request, target, query);

            sleep(faults.latency());
            Optional<FaultKind> fault = faults.take(envelope.service() + ":" + envelope.action());
            if (fault.isPresent() && fault.get() == FaultKind.DROP_CONNECTION) {
                remember(at, envelope, null, "DROPPED");
                return; // closing the exchange before any answer closes the connection
            }
            Principal principal = null;
            Reply reply;
            try {
                if (fault.isPresent()) {
                    throw faultError(envelope.service(), fault.get());
                }
                if (body.length > MAX_BODY) {
                    throw new AwsException(413, "RequestEntityTooLarge", "The request body is larger than the sandbox accepts.");
                }
                principal = authenticate(request, envelope);
                reply = switch (envelope.service()) {
                    case "sts" -> sts.handle(principal, query);
                    case "ec2" -> ec2.handle(principal, envelope.region(), query);
                    case "kms" -> kms.handle(principal, envelope.region(), envelope.action(), body);
                    default -> throw new AwsException(400, "InvalidAction", "The sandbox answers sts, ec2 and kms, not " + envelope.service() + ".");
                };
            } catch (AwsException e) {
                reply = errorReply(envelope.service(), e);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "sandbox failed answering " + envelope.service() + ":" + envelope.action(), e);
                reply = errorReply(envelope.service(), faultError(envelope.service(), FaultKind.SERVER_ERROR));
            }
            remember(at, envelope, principal, reply.errorCode());
            send(exchange, reply);
        }
    }

    /** An error in the called service's own shape (STS's for anything unknown). */
    private static Reply errorReply(String service, AwsException e) {
        return switch (service) {
            case "ec2" -> Ec2Api.error(e);
            case "kms" -> KmsApi.error(e);
            default -> StsApi.error(e);
        };
    }

    /** Signature, then credentials; refusals are worded the way the called service words them. */
    private Principal authenticate(SigV4.Request request, Envelope envelope) {
        try {
            if (request.header("authorization") == null) {
                throw new SigV4.Refused("MissingAuthenticationToken", "Request is missing Authentication Token");
            }
            SigV4.Signed signed = SigV4.verify(request, iam::secretOf, config.clock().instant());
            return iam.principal(signed.accessKeyId(), request.header("x-amz-security-token"));
        } catch (SigV4.Refused r) {
            throw switch (envelope.service()) {
                case "ec2" -> Ec2Api.refusal(r);
                case "kms" -> KmsApi.refusal(r);
                default -> StsApi.refusal(r);
            };
        }
    }

    private static Envelope envelope(SigV4.Request request, String target, Query query) {
        String authorization = request.header("authorization");
        Matcher scope = authorization == null ? null : SCOPE.matcher(authorization);
        String accessKeyId = null;
        String region = null;
        String service;
        if (scope != null && scope.find()) {
            accessKeyId = scope.group(1);
            region = scope.group(2);
            service = scope.group(3);
        } else if (target != null) {
            service = "kms";
        } else {
            service = "2016-11-15".equals(query.get("Version")) ? "ec2" : "sts";
        }
        String action;
        if (target != null) {
            action = target.startsWith("TrentService.") ? target.substring("TrentService.".length()) : target;
        } else {
            action = query.action();
        }
        return new Envelope(accessKeyId, service, region, action);
    }

    /** The injected fault in the called service's own words. */
    private static AwsException faultError(String service, FaultKind kind) {
        if (kind == FaultKind.THROTTLE) {
            return switch (service) {
                case "ec2" -> new AwsException(503, "RequestLimitExceeded", "Request limit exceeded.");
                case "kms" -> new AwsException(400, "ThrottlingException", "Rate exceeded");
                default -> new AwsException(400, "Throttling", "Rate exceeded");
            };
        }
        return service.equals("ec2")
                ? new AwsException(500, "InternalError", "An internal error has occurred")
                : new AwsException(500, "InternalFailure", "The request processing has failed because of an unknown error, exception or failure.");
    }

    private void remember(Instant at, Envelope envelope, Principal principal, String errorCode) {
        String accountId = principal != null ? principal.accountId() : null;
        String roleArn = principal != null && principal.role() != null ? principal.role().arn() : null;
        String sessionName = principal != null ? principal.sessionName() : null;
        if (principal == null && envelope.accessKeyId() != null) {
            // refused before a principal was settled: still say whose credentials these were, where known
            Optional<Iam.Session> session = iam.sessionOf(envelope.accessKeyId());
            if (session.isPresent()) {
                accountId = session.get().role().accountId();
                roleArn = session.get().role().arn();
                sessionName = session.get().sessionName();
            } else if (envelope.accessKeyId().equals(config.platformAccessKeyId())) {
                accountId = iam.platformAccount();
            }
        }
        Call call = new Call(at, envelope.accessKeyId(), accountId, roleArn, sessionName, envelope.service(), envelope.action(),
                envelope.region(), errorCode);
        synchronized (calls) {
            calls.addLast(call);
            if (calls.size() > MAX_CALLS_KEPT) {
                calls.removeFirst();
            }
        }
    }

    private static void sleep(Duration latency) {
        if (latency.isZero()) {
            return;
        }
        try {
            Thread.sleep(latency);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void send(HttpExchange exchange, Reply reply) throws IOException {
        byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", reply.contentType());
        exchange.getResponseHeaders().set("x-amzn-RequestId", java.util.UUID.randomUUID().toString());
        if (reply.errorCode() != null && reply.contentType().contains("json")) {
            exchange.getResponseHeaders().set("x-amzn-ErrorType", reply.errorCode());
        }
        exchange.sendResponseHeaders(reply.status(), bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
