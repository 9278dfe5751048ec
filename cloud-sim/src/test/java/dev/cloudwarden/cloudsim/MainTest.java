package dev.cloudwarden.cloudsim;

import static dev.cloudwarden.cloudsim.Sandbox.PLATFORM;
import static dev.cloudwarden.cloudsim.Sandbox.PLATFORM_ARN;
import static dev.cloudwarden.cloudsim.Sandbox.PLATFORM_KEY;
import static dev.cloudwarden.cloudsim.Sandbox.PLATFORM_SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.sts.StsClient;

/** The standalone sandbox's options: demo and benchmark worlds, as the benchmark will find them. */
class MainTest {

    @TempDir
    Path dir;

    Map<String, String> options(String... extra) throws Exception {
        Path secret = dir.resolve("secret");
        Files.writeString(secret, PLATFORM_SECRET + "\n");
        String[] base = {"--platform-key-id", PLATFORM_KEY, "--platform-secret-file", secret.toString(), "--platform-principal", PLATFORM_ARN,
                "--port", "0"};
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return Main.options(all);
    }

    @Test
    void theBenchmarkWorldHasARolePerAccountAndInstancesInTwoRegions() throws Exception {
        try (CloudSim sim = Main.start(options("--accounts", "3", "--instances-per-region", "7", "--demo-account", "123456789012",
                "--demo-external-id", "cw-demo"))) {
            assertThat(sim.endpoint()).startsWith("http://127.0.0.1:");
            String account = Main.benchmarkAccount(2);
            assertThat(account).isEqualTo("100000000002");
            assertThat(sim.account(account).instances("us-east-1")).hasSize(7);
            assertThat(sim.account(account).instances("eu-west-1")).hasSize(7);
            assertThat(sim.account("123456789012").instances("us-east-1")).hasSize(3);
            assertThat(sim.account("123456789012").volumes("eu-west-1")).hasSize(3);

            AwsSessionCredentials c;
            try (StsClient sts = Sandbox.sts(sim, PLATFORM)) {
                var r = sts.assumeRole(b -> b.roleArn("arn:aws:iam::" + account + ":role/CloudwardenAccess").roleSessionName("bench")
                        .externalId("cw-bench-" + account)).credentials();
                c = AwsSessionCredentials.create(r.accessKeyId(), r.secretAccessKey(), r.sessionToken());
            }
            try (Ec2Client ec2 = Sandbox.ec2(sim, c, "eu-west-1")) {
                List<Instance> instances = ec2.describeInstances().reservations().stream().flatMap(r -> r.instances().stream()).toList();
                assertThat(instances).hasSize(7);
            }
            CloudSim.Role demo = new CloudSim.Role("123456789012", "CloudwardenAccess", PLATFORM_ARN, "cw-demo");
            try (Ec2Client ec2 = Sandbox.ec2(sim, Sandbox.assume(sim, demo, "demo"), "us-east-1")) {
                assertThat(ec2.describeInstances().reservations()).hasSize(3);
            }
        }
    }

    @Test
    void badOptionsAreRefused() throws Exception {
        assertThatThrownBy(() -> Main.options(new String[] {"--port", "1"})).hasMessageContaining("missing --platform-key-id");
        assertThatThrownBy(() -> options("--nope", "1")).hasMessageContaining("--nope");
        assertThatThrownBy(() -> options("--demo-account", "12")).hasMessageContaining("12-digit");
        assertThatThrownBy(() -> options("--accounts", "many")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> options("--latency-ms")).hasMessageContaining("missing value");
    }
}
