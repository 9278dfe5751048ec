package dev.cloudwarden.cloudsim;

import static dev.cloudwarden.cloudsim.Sandbox.PLATFORM;
import static dev.cloudwarden.cloudsim.Sandbox.PLATFORM_ARN;
import static dev.cloudwarden.cloudsim.Sandbox.assertAwsError;
import static dev.cloudwarden.cloudsim.Sandbox.assume;
import static dev.cloudwarden.cloudsim.Sandbox.ec2;
import static dev.cloudwarden.cloudsim.Sandbox.kms;
import static dev.cloudwarden.cloudsim.Sandbox.sts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloudwarden.cloudsim.CloudSim.FaultKind;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.sts.StsClient;

/** Injected faults and latency, and how the SDK's default retry meets them, as it meets AWS's. */
class FaultsTest {

    static final String ACCOUNT = "444400000001";
    static final CloudSim.Role ROLE = new CloudSim.Role(ACCOUNT, "CloudwardenAccess", PLATFORM_ARN, "ext-f");

    static CloudSim sim;
    static AwsSessionCredentials session;

    @BeforeAll
    static void start() throws Exception {
        sim = Sandbox.start();
        sim.addRole(ROLE);
        sim.account(ACCOUNT).addInstance("us-east-1", "t3.micro", "running", Map.of("Name", "one"));
        session = assume(sim, ROLE, "faults");
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @BeforeEach
    void clean() {
        sim.clearCalls();
    }

    @AfterEach
    void clearFaults() {
        sim.clearFaults();
    }

    static List<CloudSim.Call> callsOf(String action) {
        return sim.calls().stream().filter(c -> c.action().equals(action)).toList();
    }

    @Test
    void throttledTwiceThenAnsweredTheSdkRetriesThrough() {
        sim.failNext("ec2:DescribeInstances", FaultKind.THROTTLE, 2);
        try (Ec2Client ec2 = ec2(sim, session, "us-east-1")) {
            assertThat(ec2.describeInstances().reservations()).hasSize(1);
        }
        assertThat(callsOf("DescribeInstances")).extracting(CloudSim.Call::errorCode)
                .containsExactly("RequestLimitExceeded", "RequestLimitExceeded", null);
        assertThat(callsOf("DescribeInstances")).allSatisfy(c -> {
            assertThat(c.accountId()).isEqualTo(ACCOUNT);
            assertThat(c.roleArn()).isEqualTo(ROLE.arn());
        });
    }

    @Test
    void throttlingIsEachServicesOwnCode() {
        String key = sim.createKey(Sandbox.PLATFORM_ACCOUNT, "us-east-1");
        sim.failNext("sts:AssumeRole", FaultKind.THROTTLE, 1);
        sim.failNext("kms:*", FaultKind.THROTTLE, 1);
        assume(sim, ROLE, "after-throttle");
        try (KmsClient kms = kms(sim, PLATFORM, "us-east-1")) {
            kms.encrypt(b -> b.keyId(key).plaintext(SdkBytes.fromUtf8String("x")));
        }
        assertThat(sim.calls()).extracting(c -> c.service() + ":" + c.action() + "=" + c.errorCode())
                .containsExactly("sts:AssumeRole=Throttling", "sts:AssumeRole=null", "kms:Encrypt=ThrottlingException", "kms:Encrypt=null");
    }

    @Test
    void aPermanentServerErrorEndsInA500AfterTheSdksRetries() {
        sim.failNext("ec2:DescribeRegions", FaultKind.SERVER_ERROR, 100);
        try (Ec2Client ec2 = ec2(sim, session, "us-east-1"); StsClient sts = sts(sim, PLATFORM)) {
            assertAwsError(ec2::describeRegions, 500, "InternalError");
            sim.failNext("sts:GetCallerIdentity", FaultKind.SERVER_ERROR, 100);
            assertAwsError(sts::getCallerIdentity, 500, "InternalFailure");
        }
        List<CloudSim.Call> regions = callsOf("DescribeRegions");
        assertThat(regions.size()).as("the SDK retried").isGreaterThanOrEqualTo(3);
        assertThat(regions).extracting(CloudSim.Call::errorCode).containsOnly("InternalError");
    }

    @Test
    void aDroppedConnectionIsAnSdkClientErrorNotAServiceError() {
        sim.failNext("*", FaultKind.DROP_CONNECTION, 100);
        try (Ec2Client ec2 = ec2(sim, session, "us-east-1")) {
            assertThatThrownBy(ec2::describeInstances).isInstanceOf(SdkClientException.class).isNotInstanceOf(AwsServiceException.class);
        }
        assertThat(callsOf("DescribeInstances")).hasSizeGreaterThanOrEqualTo(2).extracting(CloudSim.Call::errorCode).containsOnly("DROPPED");
        sim.clearFaults();
        try (Ec2Client ec2 = ec2(sim, session, "us-east-1")) {
            assertThat(ec2.describeInstances().reservations()).hasSize(1);
        }
    }

    @Test
    void refusedCredentialsAreNotRetried() {
        try (Ec2Client ec2 = ec2(sim, AwsBasicCredentials.create("AKIAUNKNOWNKEY000002", "nope"), "us-east-1")) {
            assertAwsError(ec2::describeInstances, 401, "AuthFailure");
        }
        assertThat(callsOf("DescribeInstances")).hasSize(1);
    }

    @Test
    void latencyDelaysEveryAnswerWithoutSerialisingCallers() throws Exception {
        sim.latency(Duration.ofMillis(300));
        try (Ec2Client ec2 = ec2(sim, session, "us-east-1")) {
            long started = System.nanoTime();
            ec2.describeRegions();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(300));

            // 40 callers at once each wait their 300 ms side by side, not one after another (12 s)
            started = System.nanoTime();
            List<Future<?>> running = new ArrayList<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 40; i++) {
                    running.add(pool.submit(() -> ec2.describeInstances()));
                }
                for (Future<?> f : running) {
                    f.get();
                }
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
        }
        sim.latency(Duration.ZERO);
        assertThat(callsOf("DescribeInstances")).hasSize(40).allSatisfy(c -> assertThat(c.errorCode()).isNull());
    }

    @Test
    void hundredsOfConcurrentCallersKeepTheirConnectionsAcrossRounds() throws Exception {
        // more kept-alive connections than the JDK server keeps idle by default (200): none may be closed under the client
        sim.latency(Duration.ofMillis(100));
        AtomicInteger attempts = new AtomicInteger();
        ExecutionInterceptor counting = new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                attempts.incrementAndGet();
            }
        };
        try (SdkHttpClient http = Apache5HttpClient.builder().maxConnections(400).build();
             Ec2Client ec2 = Ec2Client.builder().endpointOverride(URI.create(sim.endpoint())).region(Region.US_EAST_1).httpClient(http)
                     .credentialsProvider(StaticCredentialsProvider.create(session))
                     .overrideConfiguration(o -> o.addExecutionInterceptor(counting)).build();
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int round = 0; round < 2; round++) {
                List<Future<?>> running = new ArrayList<>();
                for (int i = 0; i < 300; i++) {
                    running.add(pool.submit(() -> ec2.describeRegions()));
                }
                for (Future<?> f : running) {
                    f.get();
                }
            }
        }
        assertThat(callsOf("DescribeRegions")).hasSize(600).allSatisfy(c -> assertThat(c.errorCode()).isNull());
        assertThat(attempts.get()).as("no attempt met a connection the server had closed").isEqualTo(600);
    }
}
