package dev.cloudwarden.cloudsim;

import static dev.cloudwarden.cloudsim.Sandbox.PLATFORM;
import static dev.cloudwarden.cloudsim.Sandbox.PLATFORM_ARN;
import static dev.cloudwarden.cloudsim.Sandbox.PLATFORM_KEY;
import static dev.cloudwarden.cloudsim.Sandbox.PLATFORM_SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.sts.StsClient;

/** The sandbox over HTTPS with a self-signed certificate made at test time, called by an SDK that trusts it. */
class HttpsTest {

    static final String PASSWORD = "changeit";

    @TempDir
    static Path dir;
    static Path pkcs12;
    static CloudSim sim;
    static SdkHttpClient trusting;

    @BeforeAll
    static void start() throws Exception {
        pkcs12 = dir.resolve("sandbox.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", "cloudsim", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12", "-keystore", pkcs12.toString(),
                "-storepass", PASSWORD, "-keypass", PASSWORD).redirectErrorStream(true).start();
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes())).isZero();

        sim = CloudSim.start(new CloudSim.Config(PLATFORM_KEY, PLATFORM_SECRET, PLATFORM_ARN, Clock.systemUTC(), "127.0.0.1", 0,
                Main.tls(pkcs12, PASSWORD)));

        KeyStore server = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(pkcs12)) {
            server.load(in, PASSWORD.toCharArray());
        }
        Certificate certificate = server.getCertificate("cloudsim");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("sandbox", certificate);
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        trusting = Apache5HttpClient.builder().tlsTrustManagersProvider(factory::getTrustManagers).build();
    }

    @AfterAll
    static void stop() {
        trusting.close();
        sim.close();
    }

    static StsClient sts(AwsCredentials credentials, SdkHttpClient http) {
        return StsClient.builder().endpointOverride(URI.create(sim.endpoint())).region(Region.US_EAST_1).httpClient(http)
                .credentialsProvider(StaticCredentialsProvider.create(credentials)).build();
    }

    @Test
    void theSdkTrustingTheCertificateTalksHttpsToStsAndEc2() {
        assertThat(sim.endpoint()).startsWith("https://127.0.0.1:");
        CloudSim.Role role = new CloudSim.Role("666600000001", "CloudwardenAccess", PLATFORM_ARN, "ext-tls");
        sim.addRole(role);
        sim.account(role.accountId()).addInstance("eu-west-1", "t3.micro", "running", Map.of("Name", "over-tls"));
        try (StsClient sts = sts(PLATFORM, trusting)) {
            assertThat(sts.getCallerIdentity().arn()).isEqualTo(PLATFORM_ARN);
            var c = sts.assumeRole(b -> b.roleArn(role.arn()).roleSessionName("tls").externalId("ext-tls")).credentials();
            try (Ec2Client ec2 = Ec2Client.builder().endpointOverride(URI.create(sim.endpoint())).region(Region.EU_WEST_1).httpClient(trusting)
                    .credentialsProvider(StaticCredentialsProvider.create(
                            AwsSessionCredentials.create(c.accessKeyId(), c.secretAccessKey(), c.sessionToken()))).build()) {
                assertThat(ec2.describeInstances().reservations()).singleElement()
                        .satisfies(r -> assertThat(r.instances().getFirst().tags().getFirst().value()).isEqualTo("over-tls"));
            }
        }
    }

    @Test
    void anSdkThatDoesNotTrustTheCertificateRefusesTheConnection() {
        try (SdkHttpClient plain = Apache5HttpClient.create(); StsClient sts = sts(PLATFORM, plain)) {
            assertThatThrownBy(sts::getCallerIdentity).isInstanceOf(SdkClientException.class);
        }
    }
}
