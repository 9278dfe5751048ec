package dev.cloudwarden.cloudsim;

import static dev.cloudwarden.cloudsim.Sandbox.OPERATOR_POLICY;
import static dev.cloudwarden.cloudsim.Sandbox.PLATFORM;
import static dev.cloudwarden.cloudsim.Sandbox.PLATFORM_ARN;
import static dev.cloudwarden.cloudsim.Sandbox.PLATFORM_KEY;
import static dev.cloudwarden.cloudsim.Sandbox.PLATFORM_SECRET;
import static dev.cloudwarden.cloudsim.Sandbox.assertAwsError;
import static dev.cloudwarden.cloudsim.Sandbox.assume;
import static dev.cloudwarden.cloudsim.Sandbox.ec2;
import static dev.cloudwarden.cloudsim.Sandbox.sts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * Who may do what: the role's policy intersected with the session policy, explicit denies,
 * resource-tag conditions, the platform key kept out of EC2, IAM users with full access to their
 * own account, and refusals of unknown, expired and tampered credentials, in each service's words.
 */
class AuthorizationTest {

    static final String ACCOUNT = "333300000001";
    static final CloudSim.Role READ_ONLY = new CloudSim.Role(ACCOUNT, "CloudwardenAccess", PLATFORM_ARN, "ext-ro");
    static final CloudSim.Role OPERATOR = new CloudSim.Role(ACCOUNT, "CloudwardenOperator", PLATFORM_ARN, "ext-op", OPERATOR_POLICY);
    static final CloudSim.Role DEV_ONLY = new CloudSim.Role(ACCOUNT, "DevStopper", PLATFORM_ARN, "ext-dev", """
            {"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"},
              {"Effect":"Allow","Action":["ec2:StopInstances","ec2:StartInstances"],"Resource":"*",
               "Condition":{"StringEquals":{"ec2:ResourceTag/env":"dev"}}}]}""");
    static final CloudSim.Role DENY_STOP = new CloudSim.Role(ACCOUNT, "AllButStop", PLATFORM_ARN, null, """
            {"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":"ec2:*","Resource":"*"},
              {"Effect":"Deny","Action":"ec2:stop*","Resource":"*"}]}""");

    static CloudSim sim;
    static String prod;
    static String dev;

    @BeforeAll
    static void start() throws Exception {
        sim = Sandbox.start();
        for (CloudSim.Role role : new CloudSim.Role[] {READ_ONLY, OPERATOR, DEV_ONLY, DENY_STOP}) {
            sim.addRole(role);
        }
        prod = sim.account(ACCOUNT).addInstance("us-east-1", "m5.large", "running", Map.of("env", "prod")).id();
        dev = sim.account(ACCOUNT).addInstance("us-east-1", "t3.small", "running", Map.of("env", "dev")).id();
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @Test
    void theReadOnlyRoleDescribesButMayNotStop() {
        try (Ec2Client ec2 = ec2(sim, assume(sim, READ_ONLY, "cw-sync-1"), "us-east-1")) {
            assertThat(ec2.describeInstances().reservations()).isNotEmpty();
            assertThatThrownBy(() -> ec2.stopInstances(b -> b.instanceIds(prod))).isInstanceOfSatisfying(Ec2Exception.class, e -> {
                assertThat(e.statusCode()).isEqualTo(403);
                assertThat(e.awsErrorDetails().errorCode()).isEqualTo("UnauthorizedOperation");
                assertThat(e.awsErrorDetails().errorMessage()).startsWith("You are not authorized to perform this operation. User: "
                        + "arn:aws:sts::" + ACCOUNT + ":assumed-role/CloudwardenAccess/cw-sync-1 is not authorized to perform: "
                        + "ec2:StopInstances on resource: arn:aws:ec2:us-east-1:" + ACCOUNT + ":instance/" + prod);
            });
            assertAwsError(() -> ec2.createSnapshot(b -> b.volumeId(sim.account(ACCOUNT).addVolume("us-east-1", 8, null, null).id())), 403,
                    "UnauthorizedOperation");
        }
        assertThat(sim.account(ACCOUNT).instances("us-east-1")).filteredOn(i -> i.id().equals(prod)).extracting(Account.Instance::state)
                .containsExactly("running");
    }

    @Test
    void aSessionPolicyNarrowsTheRolesPolicy() {
        String describeOnly = """
                {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:DescribeInstances","Resource":"*"}]}""";
        try (Ec2Client ec2 = ec2(sim, assume(sim, OPERATOR, "narrowed", describeOnly), "us-east-1")) {
            assertThat(ec2.describeInstances().reservations()).isNotEmpty();
            assertThatThrownBy(() -> ec2.stopInstances(b -> b.instanceIds(dev))).isInstanceOfSatisfying(Ec2Exception.class,
                    e -> assertThat(e.awsErrorDetails().errorMessage()).contains("because no session policy allows the ec2:StopInstances action"));
            assertAwsError(ec2::describeVolumes, 403, "UnauthorizedOperation");
        }
        // a session policy cannot grant what the role lacks
        String everything = """
                {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""";
        try (Ec2Client ec2 = ec2(sim, assume(sim, READ_ONLY, "widened", everything), "us-east-1")) {
            assertAwsError(() -> ec2.stopInstances(b -> b.instanceIds(dev)), 403, "UnauthorizedOperation");
        }
        try (StsClient sts = sts(sim, PLATFORM)) {
            assertAwsError(() -> sts.assumeRole(b -> b.roleArn(OPERATOR.arn()).roleSessionName("bad").externalId("ext-op").policy("{not json")),
                    400, "MalformedPolicyDocument");
            assertAwsError(() -> sts.assumeRole(b -> b.roleArn(OPERATOR.arn()).roleSessionName("bad").externalId("ext-op")
                    .policy("{\"Statement\":[{\"Effect\":\"Maybe\",\"Action\":\"*\",\"Resource\":\"*\"}]}")), 400, "MalformedPolicyDocument");
        }
    }

    @Test
    void aResourceTagConditionLimitsStopToDevInstances() {
        try (Ec2Client ec2 = ec2(sim, assume(sim, DEV_ONLY, "tags"), "us-east-1")) {
            assertThat(ec2.stopInstances(b -> b.instanceIds(dev)).stoppingInstances()).hasSize(1);
            assertAwsError(() -> ec2.stopInstances(b -> b.instanceIds(prod)), 403, "UnauthorizedOperation");
            // one instance outside the condition refuses the whole call
            assertAwsError(() -> ec2.startInstances(b -> b.instanceIds(dev, prod)), 403, "UnauthorizedOperation");
            assertThat(ec2.startInstances(b -> b.instanceIds(dev)).startingInstances()).hasSize(1);
        }
    }

    @Test
    void anExplicitDenyWinsOverAnAllow() {
        try (Ec2Client ec2 = ec2(sim, assume(sim, DENY_STOP, "denied"), "us-east-1")) {
            assertThatThrownBy(() -> ec2.stopInstances(b -> b.instanceIds(dev))).isInstanceOfSatisfying(Ec2Exception.class,
                    e -> assertThat(e.awsErrorDetails().errorMessage()).contains("with an explicit deny"));
            assertThat(ec2.describeVolumes().volumes()).isNotNull();
        }
    }

    @Test
    void thePlatformKeyMayNotCallEc2() {
        try (Ec2Client ec2 = ec2(sim, PLATFORM, "us-east-1")) {
            assertThatThrownBy(ec2::describeInstances).isInstanceOfSatisfying(Ec2Exception.class, e -> {
                assertThat(e.statusCode()).isEqualTo(403);
                assertThat(e.awsErrorDetails().errorCode()).isEqualTo("UnauthorizedOperation");
                assertThat(e.awsErrorDetails().errorMessage()).contains("User: " + PLATFORM_ARN + " is not authorized to perform: ec2:DescribeInstances");
            });
        }
        assertThat(sim.calls().getLast()).satisfies(call -> {
            assertThat(call.accessKeyId()).isEqualTo(PLATFORM_KEY);
            assertThat(call.accountId()).isEqualTo(Sandbox.PLATFORM_ACCOUNT);
            assertThat(call.roleArn()).isNull();
            assertThat(call.errorCode()).isEqualTo("UnauthorizedOperation");
        });
    }

    @Test
    void anIamUserActsWithFullAccessInItsOwnAccountOnly() {
        CloudSim.AccessKey key = sim.addUser(ACCOUNT, "alice", null);
        assertThat(key.accessKeyId()).startsWith("AKIA").hasSize(20);
        assertThat(key.toString()).contains(key.accessKeyId()).doesNotContain(key.secretAccessKey());
        AwsBasicCredentials alice = AwsBasicCredentials.create(key.accessKeyId(), key.secretAccessKey());
        try (StsClient sts = sts(sim, alice); Ec2Client ec2 = ec2(sim, alice, "us-east-1")) {
            var identity = sts.getCallerIdentity();
            assertThat(identity.arn()).isEqualTo("arn:aws:iam::" + ACCOUNT + ":user/alice");
            assertThat(identity.account()).isEqualTo(ACCOUNT);
            assertThat(identity.userId()).startsWith("AIDA");
            String own = sim.account(ACCOUNT).addInstance("us-east-1", "t3.micro", "stopped", Map.of("owner", "alice")).id();
            assertThat(ec2.startInstances(b -> b.instanceIds(own)).startingInstances()).hasSize(1);
            // the customer's user is not trusted by the platform's role
            assertAwsError(() -> sts.assumeRole(b -> b.roleArn(READ_ONLY.arn()).roleSessionName("alice").externalId("ext-ro")), 403, "AccessDenied");
        }
        CloudSim.AccessKey given = sim.addUser("333300000002", "bob", new CloudSim.AccessKey("AKIABOBBOBBOBBOBBOB1", "bob-secret"));
        try (Ec2Client bob = ec2(sim, AwsBasicCredentials.create(given.accessKeyId(), given.secretAccessKey()), "us-east-1")) {
            assertThat(bob.describeInstances().reservations()).isEmpty();
            assertAwsError(() -> bob.stopInstances(b -> b.instanceIds(prod)), 400, "InvalidInstanceID.NotFound");
        }
    }

    @Test
    void unknownKeysAndWrongOrTamperedSignaturesAreRefusedInEachServicesWords() {
        AwsBasicCredentials unknown = AwsBasicCredentials.create("AKIAUNKNOWNKEY000001", "whatever");
        try (Ec2Client ec2 = ec2(sim, unknown, "us-east-1")) {
            assertAwsError(ec2::describeInstances, 401, "AuthFailure");
        }
        AwsSessionCredentials session = assume(sim, READ_ONLY, "tamper");
        try (Ec2Client wrongSecret = ec2(sim, AwsSessionCredentials.create(session.accessKeyId(), session.secretAccessKey() + "x",
                session.sessionToken()), "us-east-1")) {
            assertAwsError(wrongSecret::describeInstances, 401, "AuthFailure");
        }
        try (SdkHttpClient tampering = new TamperingHttpClient(Apache5HttpClient.create());
             Ec2Client ec2 = Ec2Client.builder().endpointOverride(URI.create(sim.endpoint())).region(Region.US_EAST_1)
                     .credentialsProvider(StaticCredentialsProvider.create(session)).httpClient(tampering).build();
             StsClient sts = StsClient.builder().endpointOverride(URI.create(sim.endpoint())).region(Region.US_EAST_1)
                     .credentialsProvider(StaticCredentialsProvider.create(PLATFORM)).httpClient(tampering).build()) {
            assertAwsError(ec2::describeInstances, 401, "AuthFailure");
            assertAwsError(sts::getCallerIdentity, 403, "SignatureDoesNotMatch");
        }
        try (Ec2Client noToken = ec2(sim, AwsBasicCredentials.create(session.accessKeyId(), session.secretAccessKey()), "us-east-1")) {
            assertAwsError(noToken::describeInstances, 401, "AuthFailure");
        }
        assertThat(sim.calls()).filteredOn(c -> "AuthFailure".equals(c.errorCode())).isNotEmpty()
                .allSatisfy(c -> assertThat(c.service()).isEqualTo("ec2"));
    }

    @Test
    void expiredTemporaryCredentialsAreRequestExpiredInEc2AndExpiredTokenInSts() throws Exception {
        // issued by a sandbox clock 14 minutes behind (within SigV4's 15-minute skew): 900 s credentials run out a minute from now
        StsAssumeRoleTest.MutableClock clock = new StsAssumeRoleTest.MutableClock(Instant.now().minus(Duration.ofMinutes(14)));
        try (CloudSim own = CloudSim.start(PLATFORM_KEY, PLATFORM_SECRET, PLATFORM_ARN, clock, 0); StsClient platform = sts(own, PLATFORM)) {
            own.addRole(READ_ONLY);
            var c = platform.assumeRole(b -> b.roleArn(READ_ONLY.arn()).roleSessionName("short").externalId("ext-ro").durationSeconds(900))
                    .credentials();
            AwsSessionCredentials session = AwsSessionCredentials.create(c.accessKeyId(), c.secretAccessKey(), c.sessionToken());
            clock.now = Instant.now();
            try (Ec2Client ec2 = ec2(own, session, "us-east-1"); StsClient sts = sts(own, session)) {
                assertThat(ec2.describeInstances().reservations()).isEmpty();
                clock.now = Instant.now().plus(Duration.ofMinutes(2));
                assertAwsError(ec2::describeInstances, 400, "RequestExpired");
                assertAwsError(sts::getCallerIdentity, 403, "ExpiredToken");
            }
            // the SDK takes RequestExpired for clock skew and retries it, as it would against AWS
            assertThat(own.calls()).filteredOn(call -> call.service().equals("ec2") && call.errorCode() != null)
                    .isNotEmpty().allSatisfy(call -> assertThat(call.errorCode()).isEqualTo("RequestExpired"));
            assertThat(own.calls().getLast()).satisfies(call -> {
                assertThat(call.errorCode()).isEqualTo("ExpiredToken");
                assertThat(call.roleArn()).isEqualTo(READ_ONLY.arn());
                assertThat(call.roleSessionName()).isEqualTo("short");
            });
        }
    }

    @Test
    void expireSessionsEndsEveryIssuedSessionAndNewOnesWorkAgain() throws Exception {
        try (CloudSim own = CloudSim.start(PLATFORM_KEY, PLATFORM_SECRET, PLATFORM_ARN, java.time.Clock.systemUTC(), 0)) {
            own.addRole(READ_ONLY);
            AwsSessionCredentials before = assume(own, READ_ONLY, "before");
            own.expireSessions();
            try (Ec2Client ec2 = ec2(own, before, "us-east-1")) {
                assertAwsError(ec2::describeInstances, 400, "RequestExpired");
            }
            try (Ec2Client ec2 = ec2(own, assume(own, READ_ONLY, "after"), "us-east-1")) {
                assertThat(ec2.describeInstances().reservations()).isEmpty();
            }
        }
    }

    @Test
    void removingTheRoleRefusesAssumeRoleAndEndsItsSessions() {
        CloudSim.Role doomed = new CloudSim.Role(ACCOUNT, "Doomed", PLATFORM_ARN, "ext-doomed");
        sim.addRole(doomed);
        AwsSessionCredentials session = assume(sim, doomed, "before");
        sim.removeRole(doomed.arn());
        try (Ec2Client ec2 = ec2(sim, session, "us-east-1"); StsClient sts = sts(sim, PLATFORM)) {
            assertAwsError(ec2::describeInstances, 401, "AuthFailure");
            assertAwsError(() -> sts.assumeRole(b -> b.roleArn(doomed.arn()).roleSessionName("after").externalId("ext-doomed")), 403,
                    "AccessDenied");
        }
    }

    /** Flips one hex digit of the SigV4 signature after the SDK signed the request. */
    static final class TamperingHttpClient implements SdkHttpClient {
        private final SdkHttpClient delegate;

        TamperingHttpClient(SdkHttpClient delegate) {
            this.delegate = delegate;
        }

        @Override
        public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
            String authorization = request.httpRequest().firstMatchingHeader("Authorization").orElseThrow();
            char last = authorization.charAt(authorization.length() - 1);
            String tampered = authorization.substring(0, authorization.length() - 1) + (last == '0' ? '1' : '0');
            return delegate.prepareRequest(HttpExecuteRequest.builder()
                    .request(request.httpRequest().toBuilder().putHeader("Authorization", tampered).build())
                    .contentStreamProvider(request.contentStreamProvider().orElse(null)).build());
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
