package dev.cloudwarden.cloudsim;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The simulated IAM: the platform's own key, the roles its customers' CloudFormation stacks make,
 * the customers' IAM users, and the temporary credentials AssumeRole issued. It turns an access key
 * id (and session token) into a {@link Principal}, or refuses it with the STS-flavoured code that
 * each service then words its own way.
 */
final class Iam {

    /** Credentials issued by AssumeRole. */
    record Session(String accessKeyId, String secret, String token, Instant expiration, CloudSim.Role role, String sessionName,
                   Policy rolePolicy, Policy sessionPolicy) {
        Session withExpiration(Instant at) {
            return new Session(accessKeyId, secret, token, at, role, sessionName, rolePolicy, sessionPolicy);
        }
    }

    record User(String accountId, String name, CloudSim.AccessKey key, String userId) {
        String arn() {
            return "arn:aws:iam::" + accountId + ":user/" + name;
        }
    }

    /** The platform's key may call STS and KMS, and nothing in EC2. */
    private static final Policy PLATFORM_POLICY = Policy.parse(
            "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"sts:*\",\"kms:*\"],\"Resource\":\"*\"}]}");
    private static final String ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final String UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    private final String platformAccessKeyId;
    private final String platformSecret;
    private final String platformArn;
    private final Clock clock;
    private final Map<String, CloudSim.Role> roles = new ConcurrentHashMap<>();
    private final Map<String, User> users = new ConcurrentHashMap<>();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    Iam(String platformAccessKeyId, String platformSecret, String platformArn, Clock clock) {
        this.platformAccessKeyId = platformAccessKeyId;
        this.platformSecret = platformSecret;
        this.platformArn = platformArn;
        this.clock = clock;
    }

    String platformArn() {
        return platformArn;
    }

    /** The platform's own account: the fifth field of its principal's ARN. */
    String platformAccount() {
        String[] parts = platformArn.split(":");
        return parts.length > 4 ? parts[4] : "";
    }

    void addRole(CloudSim.Role role) {
        roles.put(role.arn(), role);
    }

    void removeRole(String roleArn) {
        roles.remove(roleArn);
    }

    Optional<CloudSim.Role> role(String roleArn) {
        return Optional.ofNullable(roles.get(roleArn));
    }

    CloudSim.AccessKey addUser(String accountId, String userName, CloudSim.AccessKey key) {
        CloudSim.AccessKey k = key != null ? key : new CloudSim.AccessKey("AKIA" + token(16, UPPER), token(40, ALPHANUMERIC));
        if (k.accessKeyId().equals(platformAccessKeyId) || sessions.containsKey(k.accessKeyId())) {
            throw new IllegalArgumentException("access key id already in use: " + k.accessKeyId());
        }
        users.put(k.accessKeyId(), new User(accountId, userName, k, "AIDA" + token(17, UPPER)));
        return k;
    }

    Optional<String> secretOf(String accessKeyId) {
        if (accessKeyId.equals(platformAccessKeyId)) {
            return Optional.of(platformSecret);
        }
        User user = users.get(accessKeyId);
        if (user != null) {
            return Optional.of(user.key().secretAccessKey());
        }
        return Optional.ofNullable(sessions.get(accessKeyId)).map(Session::secret);
    }

    /** The session a key belongs to, whatever its state, for the record of calls. */
    Optional<Session> sessionOf(String accessKeyId) {
        return Optional.ofNullable(accessKeyId == null ? null : sessions.get(accessKeyId));
    }

    /**
     * The principal behind a key whose signature checked out. Temporary credentials need their
     * session token, their role must still exist, and they stop at their expiration.
     */
    Principal principal(String accessKeyId, String token) throws SigV4.Refused {
        if (accessKeyId.equals(platformAccessKeyId)) {
            return new Principal(Principal.Kind.PLATFORM, accessKeyId, platformAccount(), platformArn, accessKeyId, null, null,
                    PLATFORM_POLICY, null);
        }
        User user = users.get(accessKeyId);
        if (user != null) {
            return new Principal(Principal.Kind.USER, accessKeyId, user.accountId(), user.arn(), user.userId(), null, null,
                    Policy.ALLOW_ALL, null);
        }
        Session session = sessions.get(accessKeyId);
        if (session == null || token == null || !MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8),
                session.token().getBytes(StandardCharsets.UTF_8)) || !session.role().equals(roles.get(session.role().arn()))) {
            // a deleted role takes its sessions with it
            throw new SigV4.Refused("InvalidClientTokenId", "The security token included in the request is invalid.");
        }
        if (!clock.instant().isBefore(session.expiration())) {
            throw new SigV4.Refused("ExpiredToken", "The security token included in the request is expired");
        }
        CloudSim.Role role = session.role();
        return new Principal(Principal.Kind.ROLE_SESSION, accessKeyId, role.accountId(),
                "arn:aws:sts::" + role.accountId() + ":assumed-role/" + role.name() + "/" + session.sessionName(),
                roleId(role) + ":" + session.sessionName(), role, session.sessionName(), session.rolePolicy(), session.sessionPolicy());
    }

    /** The sessions issued so far that have not been cleaned away, in no order. */
    java.util.Collection<Session> sessions() {
        return java.util.List.copyOf(sessions.values());
    }

    /** Ends every session issued so far at {@code now}, as if each had reached its expiration. */
    void expireSessions(Instant now) {
        sessions.replaceAll((id, s) -> s.expiration().isAfter(now) ? s.withExpiration(now) : s);
    }

    Session issue(CloudSim.Role role, String sessionName, Duration duration, Policy sessionPolicy) {
        Instant now = clock.instant();
        Instant expiration = now.plus(duration).truncatedTo(ChronoUnit.SECONDS);
        Session session = new Session("ASIA" + token(16, UPPER), token(40, ALPHANUMERIC), token(120, ALPHANUMERIC), expiration, role,
                sessionName, Policy.parse(role.policyDocument()), sessionPolicy);
        sessions.put(session.accessKeyId(), session);
        if (sessions.size() % 4096 == 0) {
            // a long-running sandbox forgets credentials a day after they expired
            sessions.values().removeIf(s -> s.expiration().plus(Duration.ofDays(1)).isBefore(now));
        }
        return session;
    }

    /** A role's unique id, stable for its ARN, as AWS's AROA… ids are. */
    static String roleId(CloudSim.Role role) {
        byte[] digest = SigV4.sha256(role.arn().getBytes(StandardCharsets.UTF_8));
        StringBuilder out = new StringBuilder("AROA");
        for (int i = 0; i < 17; i++) {
            out.append(UPPER.charAt((digest[i] & 0xff) % UPPER.length()));
        }
        return out.toString();
    }

    private String token(int length, String alphabet) {
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return out.toString();
    }
}
