package dev.cloudwarden.cloudsim;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The sandbox AWS: one HTTP endpoint that answers the AWS SDK as AWS would, for simulated accounts.
 * So far STS {@code AssumeRole} (Query protocol, XML answers): the caller's SigV4 signature is
 * checked against the platform's own access key; the role must exist in the simulated account,
 * trust the platform's principal, and its {@code sts:ExternalId} condition must match;
 * {@code DurationSeconds} 900–3600 and the RoleSessionName pattern are enforced. The answer is
 * temporary {@code ASIA…} credentials with a session token and an expiration, kept here so later
 * calls are checked against them ({@code GetCallerIdentity} so far): an unknown key or a missing or
 * wrong session token is {@code InvalidClientTokenId}, an expired one {@code ExpiredToken}.
 */
public final class CloudSim implements AutoCloseable {

    /** A role in a simulated account, as a CloudFormation stack of the platform's template would make it. */
    public record Role(String accountId, String name, String trustedPrincipalArn, String externalId) {
        public String arn() {
            return "arn:aws:iam::" + accountId + ":role/" + name;
        }
    }

    /** Credentials issued by AssumeRole. */
    record Session(String accessKeyId, String secret, String token, Instant expiration, Role role, String sessionName) {
    }

    private static final String STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/";
    private static final Pattern ROLE_ARN = Pattern.compile("arn:aws:iam::(\\d{12}):role/([\\w+=,.@-]{1,64})");
    private static final Pattern SESSION_NAME = Pattern.compile("[\\w+=,.@-]{2,64}");
    private static final DateTimeFormatter ISO = DateTimeFormatter.ISO_INSTANT;

    private final String platformAccessKeyId;
    private final String platformSecret;
    private final String platformPrincipalArn;
    private final Clock clock;
    private final Map<String, Role> roles = new ConcurrentHashMap<>();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final HttpServer server;

    private CloudSim(String platformAccessKeyId, String platformSecret, String platformPrincipalArn, Clock clock, int port) throws IOException {
        this.platformAccessKeyId = platformAccessKeyId;
        this.platformSecret = platformSecret;
        this.platformPrincipalArn = platformPrincipalArn;
        this.clock = clock;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        this.server.createContext("/", this::handle);
    }

    /** Starts the sandbox on 127.0.0.1 ({@code port} 0: any free port) for the platform's credentials. */
    public static CloudSim start(String platformAccessKeyId, String platformSecret, String platformPrincipalArn, Clock clock, int port)
            throws IOException {
        CloudSim sim = new CloudSim(platformAccessKeyId, platformSecret, platformPrincipalArn, clock, port);
        sim.server.start();
        return sim;
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public void addRole(Role role) {
        roles.put(role.arn(), role);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readNBytes(64 * 1024);
            }
            Map<String, List<String>> headers = new HashMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), values));
            SigV4.Request request = new SigV4.Request(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                    exchange.getRequestURI().getRawQuery(), headers, body);
            Map<String, String> params = form(new String(body, StandardCharsets.UTF_8));
            try {
                SigV4.Signed signed = SigV4.verify(request, this::secretOf, clock.instant());
                if (!"sts".equals(signed.service())) {
                    throw new SigV4.Refused("InvalidAction", "This sandbox answers STS only.");
                }
                Optional<Session> session = sessionOf(signed.accessKeyId(), request.header("x-amz-security-token"));
                String action = params.getOrDefault("Action", "");
                switch (action) {
                    case "AssumeRole" -> {
                        if (session.isPresent()) {
                            throw new SigV4.Refused("AccessDenied", "Only the platform's principal may assume roles here.");
                        }
                        send(exchange, 200, assumeRole(params));
                    }
                    case "GetCallerIdentity" -> send(exchange, 200, callerIdentity(session));
                    default -> throw new SigV4.Refused("InvalidAction", "Could not find operation " + xml(action) + " for version 2011-06-15.");
                }
            } catch (SigV4.Refused refused) {
                int status = switch (refused.code) {
                    case "ValidationError", "InvalidAction", "IncompleteSignature" -> 400;
                    default -> 403;
                };
                send(exchange, status, "<ErrorResponse xmlns=\"" + STS_NS + "\"><Error><Type>Sender</Type><Code>" + refused.code
                        + "</Code><Message>" + xml(refused.getMessage()) + "</Message></Error><RequestId>" + UUID.randomUUID()
                        + "</RequestId></ErrorResponse>");
            }
        }
    }

    /**
     * The temporary credentials a request was signed with (empty for the platform's own key): their
     * session token must come with them, and they stop working at their expiration.
     */
    private Optional<Session> sessionOf(String accessKeyId, String token) throws SigV4.Refused {
        if (accessKeyId.equals(platformAccessKeyId)) {
            return Optional.empty();
        }
        Session session = sessions.get(accessKeyId);
        if (session == null || token == null || !java.security.MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8),
                session.token().getBytes(StandardCharsets.UTF_8))) {
            throw new SigV4.Refused("InvalidClientTokenId", "The security token included in the request is invalid.");
        }
        if (!clock.instant().isBefore(session.expiration())) {
            throw new SigV4.Refused("ExpiredToken", "The security token included in the request is expired");
        }
        return Optional.of(session);
    }

    private String callerIdentity(Optional<Session> session) {
        String account = session.map(s -> s.role().accountId()).orElse(platformPrincipalArn.split(":")[4]);
        String arn = session.map(s -> "arn:aws:sts::" + s.role().accountId() + ":assumed-role/" + s.role().name() + "/" + s.sessionName())
                .orElse(platformPrincipalArn);
        return "<GetCallerIdentityResponse xmlns=\"" + STS_NS + "\"><GetCallerIdentityResult><Arn>" + xml(arn) + "</Arn><UserId>"
                + xml(session.map(Session::accessKeyId).orElse(platformAccessKeyId)) + "</UserId><Account>" + account
                + "</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>" + UUID.randomUUID()
                + "</RequestId></ResponseMetadata></GetCallerIdentityResponse>";
    }

    private Optional<String> secretOf(String accessKeyId) {
        if (accessKeyId.equals(platformAccessKeyId)) {
            return Optional.of(platformSecret);
        }
        return Optional.ofNullable(sessions.get(accessKeyId)).map(Session::secret);
    }

    private String assumeRole(Map<String, String> params) throws SigV4.Refused {
        String roleArn = params.get("RoleArn");
        String sessionName = params.get("RoleSessionName");
        if (roleArn == null || !ROLE_ARN.matcher(roleArn).matches()) {
            throw new SigV4.Refused("ValidationError", "1 validation error detected: Value at 'roleArn' failed to satisfy constraint.");
        }
        if (sessionName == null || !SESSION_NAME.matcher(sessionName).matches()) {
            throw new SigV4.Refused("ValidationError",
                    "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*");
        }
        int duration = 3600;
        if (params.containsKey("DurationSeconds")) {
            try {
                duration = Integer.parseInt(params.get("DurationSeconds"));
            } catch (NumberFormatException e) {
                duration = -1;
            }
            if (duration < 900 || duration > 3600) {
                throw new SigV4.Refused("ValidationError",
                        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role, or is below 900.");
            }
        }
        Role role = roles.get(roleArn);
        // an unknown role, a role that does not trust the platform and a wrong external ID look alike, as on AWS
        if (role == null || !role.trustedPrincipalArn().equals(platformPrincipalArn)
                || !role.externalId().equals(params.get("ExternalId"))) {
            throw new SigV4.Refused("AccessDenied", "User: " + platformPrincipalArn + " is not authorized to perform: sts:AssumeRole on resource: "
                    + roleArn);
        }
        Instant expiration = clock.instant().plus(Duration.ofSeconds(duration)).truncatedTo(ChronoUnit.SECONDS);
        Session session = new Session("ASIA" + token(16).toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "X"), token(40), token(120),
                expiration, role, sessionName);
        sessions.put(session.accessKeyId(), session);
        return "<AssumeRoleResponse xmlns=\"" + STS_NS + "\"><AssumeRoleResult><SourceIdentity/><AssumedRoleUser><AssumedRoleId>AROA"
                + Long.toHexString(role.arn().hashCode() & 0xffffffffL).toUpperCase(Locale.ROOT) + ":" + xml(sessionName)
                + "</AssumedRoleId><Arn>arn:aws:sts::" + role.accountId() + ":assumed-role/" + xml(role.name()) + "/" + xml(sessionName)
                + "</Arn></AssumedRoleUser><Credentials><AccessKeyId>" + session.accessKeyId() + "</AccessKeyId><SecretAccessKey>"
                + session.secret() + "</SecretAccessKey><SessionToken>" + session.token() + "</SessionToken><Expiration>"
                + ISO.format(expiration) + "</Expiration></Credentials><PackedPolicySize>0</PackedPolicySize></AssumeRoleResult>"
                + "<ResponseMetadata><RequestId>" + UUID.randomUUID() + "</RequestId></ResponseMetadata></AssumeRoleResponse>";
    }

    private String token(int length) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return out.toString();
    }

    private static Map<String, String> form(String body) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            params.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                    eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return params;
    }

    private static String xml(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static void send(HttpExchange exchange, int status, String xmlBody) throws IOException {
        byte[] bytes = xmlBody.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/xml");
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
