package dev.cloudwarden.cloudsim;

import static dev.cloudwarden.cloudsim.Sandbox.PLATFORM_ARN;
import static dev.cloudwarden.cloudsim.Sandbox.PLATFORM_KEY;
import static dev.cloudwarden.cloudsim.Sandbox.PLATFORM_SECRET;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The aws CLI (botocore, not the Java SDK) against the sandbox: a profile that assumes the role
 * with an external ID, as a customer or an operator would set it up, and an IAM user of the
 * customer's own. Debian's {@code awscli} (v2) by default; any other with {@code -Dcloudwarden.test.aws=<path>}.
 */
class AwsCliTest {

    static final String ACCOUNT = "888800000001";

    @TempDir
    static Path home;
    static CloudSim sim;
    static String instance;

    @BeforeAll
    static void start() throws Exception {
        assertThat(Files.isExecutable(Path.of(AWS))).as("the aws CLI at " + AWS + " (Debian: apt-get install awscli; or -Dcloudwarden.test.aws=<path>)")
                .isTrue();
        sim = Sandbox.start();
        sim.addRole(new CloudSim.Role(ACCOUNT, "CloudwardenAccess", PLATFORM_ARN, "cw-cli-ext"));
        instance = sim.account(ACCOUNT).addInstance("eu-west-1", "t3.micro", "stopped", Map.of("Name", "from-the-cli")).id();
        CloudSim.AccessKey alice = sim.addUser(ACCOUNT, "alice", null);
        Files.writeString(home.resolve("config"), """
                [profile platform]
                region = eu-west-1
                [profile alice]
                region = eu-west-1
                """);
        Files.writeString(home.resolve("credentials"), """
                [platform]
                aws_access_key_id = %s
                aws_secret_access_key = %s
                [alice]
                aws_access_key_id = %s
                aws_secret_access_key = %s
                """.formatted(PLATFORM_KEY, PLATFORM_SECRET, alice.accessKeyId(), alice.secretAccessKey()));
    }

    @AfterAll
    static void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    /** Debian's awscli by default (./cloudwarden test installs it), or -Dcloudwarden.test.aws=<path>. */
    static final String AWS = System.getProperty("cloudwarden.test.aws", "/usr/bin/aws");

    /**
     * Runs the CLI against the sandbox ({@code --endpoint-url}, which every CLI version takes; the
     * {@code endpoint_url} setting needs v2.13+) with only the test's own configuration, plus
     * {@code env}; its output, once it exited as expected (v1 and v2 differ in error codes).
     */
    static String aws(boolean succeeds, Map<String, String> extraEnv, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(AWS, "--output", "json", "--endpoint-url", sim.endpoint()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("AWS_"));
        env.put("AWS_CONFIG_FILE", home.resolve("config").toString());
        env.put("AWS_SHARED_CREDENTIALS_FILE", home.resolve("credentials").toString());
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        env.put("AWS_PAGER", "");
        env.put("HOME", home.toString());
        env.putAll(extraEnv);
        Process process = builder.start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.exitValue() == 0).as(output).isEqualTo(succeeds);
        return output;
    }

    static String aws(boolean succeeds, String... args) throws Exception {
        return aws(succeeds, Map.of(), args);
    }

    static String field(String json, String name) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + name + "\": \"([^\"]+)\"").matcher(json);
        assertThat(m.find()).as(name + " in " + json).isTrue();
        return m.group(1);
    }

    @Test
    void theRoleAssumedWithItsExternalIdReadsButMayNotStop() throws Exception {
        String credentials = aws(true, "--profile", "platform", "sts", "assume-role", "--role-arn",
                "arn:aws:iam::" + ACCOUNT + ":role/CloudwardenAccess", "--role-session-name", "cli-session", "--external-id", "cw-cli-ext");
        assertThat(credentials).contains("\"AccessKeyId\": \"ASIA", "\"Expiration\"");
        Map<String, String> session = Map.of("AWS_ACCESS_KEY_ID", field(credentials, "AccessKeyId"),
                "AWS_SECRET_ACCESS_KEY", field(credentials, "SecretAccessKey"), "AWS_SESSION_TOKEN", field(credentials, "SessionToken"),
                "AWS_DEFAULT_REGION", "eu-west-1");
        assertThat(aws(true, session, "sts", "get-caller-identity"))
                .contains("arn:aws:sts::" + ACCOUNT + ":assumed-role/CloudwardenAccess/cli-session");
        assertThat(aws(true, session, "ec2", "describe-instances", "--filters", "Name=tag:Name,Values=from-the-cli"))
                .contains(instance, "\"Value\": \"from-the-cli\"");
        assertThat(aws(true, session, "ec2", "describe-volumes")).contains("\"Volumes\": []");
        assertThat(aws(false, session, "ec2", "stop-instances", "--instance-ids", instance)).contains("UnauthorizedOperation");
        assertThat(aws(false, "--profile", "platform", "sts", "assume-role", "--role-arn", "arn:aws:iam::" + ACCOUNT + ":role/CloudwardenAccess",
                "--role-session-name", "no-id")).contains("AccessDenied");
    }

    @Test
    void theCustomersIamUserHasFullAccess() throws Exception {
        assertThat(aws(true, "--profile", "alice", "sts", "get-caller-identity")).contains("arn:aws:iam::" + ACCOUNT + ":user/alice");
        assertThat(aws(true, "--profile", "alice", "ec2", "stop-instances", "--instance-ids", instance)).contains("StoppingInstances");
        assertThat(aws(true, "--profile", "alice", "ec2", "start-instances", "--instance-ids", instance)).contains("\"Name\": \"pending\"");
    }
}
