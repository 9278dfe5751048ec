package dev.cloudwarden.cloud.internal;

import dev.cloudwarden.cloudsim.CloudSim;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Properties;
import java.util.UUID;
import javax.net.ssl.TrustManager;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.boot.ssl.pem.PemSslStoreDetails;

/**
 * The dev "sandbox AWS": the cloud simulator inside the server, on HTTPS with the dev certificate,
 * holding one pre-seeded account (instances and volumes in two regions) that every organisation may
 * connect. The platform's own key for it is made at each start and never leaves memory. The
 * account's IAM user (the customer's side, for the aws CLI) keeps its key in
 * {@code <data-dir>/sandbox/iam-user.properties} (mode 600), which {@code ./cloudwarden sandbox credentials} prints.
 * Roles live in the simulator's memory: a restart forgets them, and the setup page makes a tenant's
 * role again, exactly as its CloudFormation stack would.
 */
final class SandboxAws implements AutoCloseable {

    static final String PLATFORM_PRINCIPAL = "arn:aws:iam::100200300400:user/cloudwarden-platform";
    static final String ROLE_PREFIX = "CloudwardenSandbox-";

    private final CloudSim sim;
    private final String accountId;
    private final String platformKeyId;
    private final String platformSecret;
    private final TrustManager[] trust;

    SandboxAws(CloudSettings.Sandbox settings, Path dataDir, String certificate, String privateKey, Clock clock) {
        this.accountId = settings.accountId();
        SecureRandom random = new SecureRandom();
        this.platformKeyId = "AKIA" + randomUpper(random, 16);
        this.platformSecret = randomSecret(random);
        SslBundle tls = SslBundle.of(new PemSslStoreBundle(PemSslStoreDetails.forCertificate(certificate).withPrivateKey(privateKey),
                PemSslStoreDetails.forCertificate(certificate)));
        this.trust = tls.getManagers().getTrustManagers();
        try {
            this.sim = CloudSim.start(new CloudSim.Config(platformKeyId, platformSecret, PLATFORM_PRINCIPAL, clock, "127.0.0.1",
                    settings.port(), tls.createSslContext()));
        } catch (IOException e) {
            throw new UncheckedIOException("The sandbox AWS could not listen on 127.0.0.1:" + settings.port()
                    + " (set cloudwarden.cloud.sandbox.port, or 0 for any free port)", e);
        }
        sim.seedDemo(accountId);
        CloudSim.AccessKey user = iamUserKey(dataDir.resolve("sandbox").resolve("iam-user.properties"), random);
        sim.addUser(accountId, "sandbox-admin", user);
    }

    CloudSim sim() {
        return sim;
    }

    String endpoint() {
        return sim.endpoint();
    }

    TrustManager[] trust() {
        return trust;
    }

    String platformKeyId() {
        return platformKeyId;
    }

    String platformSecret() {
        return platformSecret;
    }

    String accountId() {
        return accountId;
    }

    /** The role a tenant's CloudFormation stack would create in the sandbox account: trusting the platform with its external ID. */
    String roleFor(UUID tenant, String externalId, String policyDocument) {
        CloudSim.Role role = new CloudSim.Role(accountId, ROLE_PREFIX + tenant.toString().replace("-", ""), PLATFORM_PRINCIPAL, externalId,
                policyDocument);
        sim.addRole(role);
        return role.arn();
    }

    @Override
    public void close() {
        sim.close();
    }

    /** The IAM user's key: made once, then read back, so the printed credentials survive a restart. */
    private static CloudSim.AccessKey iamUserKey(Path file, SecureRandom random) {
        try {
            Properties p = new Properties();
            if (Files.exists(file)) {
                try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    p.load(in);
                }
            }
            String id = p.getProperty("aws_access_key_id");
            String secret = p.getProperty("aws_secret_access_key");
            if (id == null || secret == null) {
                id = "AKIA" + randomUpper(random, 16);
                secret = randomSecret(random);
                Files.createDirectories(file.getParent());
                Path temp = Files.createTempFile(file.getParent(), ".tmp-", ".properties",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(temp, "# the sandbox AWS account's IAM user (dev only; ./cloudwarden sandbox credentials)\n"
                        + "aws_access_key_id=" + id + "\naws_secret_access_key=" + secret + "\n", StandardCharsets.UTF_8);
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            return new CloudSim.AccessKey(id, secret);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not keep the sandbox IAM user's key under " + file.getParent(), e);
        }
    }

    private static String randomUpper(SecureRandom random, int length) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return out.toString();
    }

    private static String randomSecret(SecureRandom random) {
        byte[] bytes = new byte[30];
        random.nextBytes(bytes);
        return java.util.Base64.getEncoder().encodeToString(bytes).replace('/', 'x').replace('+', 'y');
    }
}
