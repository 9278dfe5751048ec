package dev.cloudwarden.cloudsim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.AssumeRoleResponse;
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * The real AWS SDK for Java v2 against the sandbox's STS, through an endpoint override: the wire
 * protocol (Query, SigV4, XML) is AWS's, so what works here works against AWS, and AWS's refusals
 * come back as the SDK's own exceptions with AWS's error codes.
 */
class StsAssumeRoleTest {

    static final String PLATFORM_KEY = "AKIAPLATFORMSANDBOX1";
    static final String PLATFORM_SECRET = "platform-secret-for-the-sandbox-only-0001";
    static final String PLATFORM_ARN = "arn:aws:iam::111111111111:user/cloudwarden-platform";
    static final CloudSim.Role ROLE = new CloudSim.Role("222222222222", "CloudwardenAccess", PLATFORM_ARN, "cw-ext-4f1c9a");

    static CloudSim sim;

    @BeforeAll
    static void start() throws Exception {
        sim = CloudSim.start(PLATFORM_KEY, PLATFORM_SECRET, PLATFORM_ARN, Clock.systemUTC(), 0);
        sim.addRole(ROLE);
        sim.addRole(new CloudSim.Role("333333333333", "TrustsSomeoneElse", "arn:aws:iam::999999999999:root", "x"));
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    static StsClient client(String key, String secret) {
        return StsClient.builder().endpointOverride(URI.create(sim.endpoint())).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(key, secret))).build();
    }

    @Test
    void thePlatformAssumesARoleThatTrustsItWithTheRightExternalId() {
        try (StsClient sts = client(PLATFORM_KEY, PLATFORM_SECRET)) {
            Instant before = Instant.now();
            AssumeRoleResponse r = sts.assumeRole(b -> b.roleArn(ROLE.arn()).roleSessionName("cw-sync-42").externalId("cw-ext-4f1c9a")
                    .durationSeconds(900));
            assertThat(r.credentials().accessKeyId()).startsWith("ASIA").hasSize(20);
            assertThat(r.credentials().secretAccessKey()).hasSize(40);
            assertThat(r.credentials().sessionToken()).isNotBlank();
            assertThat(r.credentials().expiration()).isBetween(before.plus(Duration.ofSeconds(890)), Instant.now().plus(Duration.ofSeconds(900)));
            assertThat(r.assumedRoleUser().arn()).isEqualTo("arn:aws:sts::222222222222:assumed-role/CloudwardenAccess/cw-sync-42");
        }
    }

    @Test
    void aWrongOrMissingExternalIdAnUnknownRoleAndAnUntrustedRoleAreAllAccessDenied() {
        try (StsClient sts = client(PLATFORM_KEY, PLATFORM_SECRET)) {
            assertCode(() -> sts.assumeRole(b -> b.roleArn(ROLE.arn()).roleSessionName("s1").externalId("cw-ext-wrong")), 403, "AccessDenied");
            assertCode(() -> sts.assumeRole(b -> b.roleArn(ROLE.arn()).roleSessionName("s1")), 403, "AccessDenied");
            assertCode(() -> sts.assumeRole(b -> b.roleArn("arn:aws:iam::222222222222:role/Nope").roleSessionName("s1").externalId("x")),
                    403, "AccessDenied");
            assertCode(() -> sts.assumeRole(b -> b.roleArn("arn:aws:iam::333333333333:role/TrustsSomeoneElse").roleSessionName("s1")
                    .externalId("x")), 403, "AccessDenied");
        }
    }

    @Test
    void badParametersAreValidationErrors() {
        try (StsClient sts = client(PLATFORM_KEY, PLATFORM_SECRET)) {
            assertCode(() -> sts.assumeRole(b -> b.roleArn(ROLE.arn()).roleSessionName("s1").externalId("cw-ext-4f1c9a").durationSeconds(899)),
                    400, "ValidationError");
            assertCode(() -> sts.assumeRole(b -> b.roleArn(ROLE.arn()).roleSessionName("s1").externalId("cw-ext-4f1c9a").durationSeconds(3601)),
                    400, "ValidationError");
            assertCode(() -> sts.assumeRole(b -> b.roleArn(ROLE.arn()).roleSessionName("bad name!").externalId("cw-ext-4f1c9a")),
                    400, "ValidationError");
            assertCode(() -> sts.assumeRole(b -> b.roleArn("not-an-arn").roleSessionName("s1").externalId("cw-ext-4f1c9a")),
                    400, "ValidationError");
        }
    }

    @Test
    void aWrongSecretAnUnknownKeyAndAStaleSignatureAreRefusedAsAwsRefusesThem() throws Exception {
        try (StsClient sts = client(PLATFORM_KEY, PLATFORM_SECRET + "x")) {
            assertCode(() -> sts.assumeRole(b -> b.roleArn(ROLE.arn()).roleSessionName("s1").externalId("cw-ext-4f1c9a")),
                    403, "SignatureDoesNotMatch");
        }
        try (StsClient sts = client("AKIAUNKNOWNKEY000001", PLATFORM_SECRET)) {
            assertCode(() -> sts.assumeRole(b -> b.roleArn(ROLE.arn()).roleSessionName("s1").externalId("cw-ext-4f1c9a")),
                    403, "InvalidClientTokenId");
        }
        // a sandbox whose clock is 20 minutes ahead sees every signature as expired
        try (CloudSim ahead = CloudSim.start(PLATFORM_KEY, PLATFORM_SECRET, PLATFORM_ARN,
                Clock.offset(Clock.systemUTC(), Duration.ofMinutes(20)), 0);
             StsClient sts = StsClient.builder().endpointOverride(URI.create(ahead.endpoint())).region(Region.US_EAST_1)
                     .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(PLATFORM_KEY, PLATFORM_SECRET))).build()) {
            ahead.addRole(ROLE);
            assertCode(() -> sts.assumeRole(b -> b.roleArn(ROLE.arn()).roleSessionName("s1").externalId("cw-ext-4f1c9a")),
                    403, "RequestExpired");
        }
    }

    /** Later calls are signed with the temporary credentials: they work with their token, until they expire. */
    @Test
    void temporaryCredentialsWorkWithTheirTokenUntilTheyExpire() throws Exception {
        // issued by a sandbox clock 14 minutes behind (within SigV4's 15-minute skew), 900 s credentials
        // run out a minute from now, while the SDK, signing by the wall clock, stays within the skew
        Instant now = Instant.now();
        MutableClock clock = new MutableClock(now.minus(Duration.ofMinutes(14)));
        try (CloudSim own = CloudSim.start(PLATFORM_KEY, PLATFORM_SECRET, PLATFORM_ARN, clock, 0);
             StsClient platform = StsClient.builder().endpointOverride(URI.create(own.endpoint())).region(Region.US_EAST_1)
                     .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(PLATFORM_KEY, PLATFORM_SECRET))).build()) {
            own.addRole(ROLE);
            var c = platform.assumeRole(b -> b.roleArn(ROLE.arn()).roleSessionName("cw-run-7").externalId("cw-ext-4f1c9a").durationSeconds(900))
                    .credentials();
            clock.now = Instant.now();
            try (StsClient session = StsClient.builder().endpointOverride(URI.create(own.endpoint())).region(Region.US_EAST_1)
                    .credentialsProvider(StaticCredentialsProvider.create(
                            AwsSessionCredentials.create(c.accessKeyId(), c.secretAccessKey(), c.sessionToken()))).build();
                 StsClient noToken = StsClient.builder().endpointOverride(URI.create(own.endpoint())).region(Region.US_EAST_1)
                         .credentialsProvider(StaticCredentialsProvider.create(
                                 AwsBasicCredentials.create(c.accessKeyId(), c.secretAccessKey()))).build()) {
                assertThat(session.getCallerIdentity().arn()).isEqualTo("arn:aws:sts::222222222222:assumed-role/CloudwardenAccess/cw-run-7");
                assertThat(session.getCallerIdentity().account()).isEqualTo("222222222222");
                assertCode(noToken::getCallerIdentity, 403, "InvalidClientTokenId");
                assertCode(() -> session.assumeRole(b -> b.roleArn(ROLE.arn()).roleSessionName("again").externalId("cw-ext-4f1c9a")),
                        403, "AccessDenied");
                clock.now = Instant.now().plus(Duration.ofMinutes(2));
                assertCode(session::getCallerIdentity, 403, "ExpiredToken");
            }
        }
    }

    /** A clock a test moves. */
    static final class MutableClock extends Clock {
        volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    private static void assertCode(Runnable call, int status, String code) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StsException.class, e -> {
            assertThat(e.statusCode()).isEqualTo(status);
            assertThat(e.awsErrorDetails().errorCode()).isEqualTo(code);
        });
    }
}
