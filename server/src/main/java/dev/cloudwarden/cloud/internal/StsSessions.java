package dev.cloudwarden.cloud.internal;

import dev.cloudwarden.common.Secret;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.services.sts.model.AssumeRoleResponse;
import software.amazon.awssdk.services.sts.model.Credentials;

/**
 * Promise P9: every run with a customer's account (a verification, a sync, later a job run) opens its
 * own STS session: AssumeRole with the tenant's external ID, a session name the customer can find in
 * CloudTrail ({@code cw-<tenant>-<purpose>-<run>}), a short duration and a session policy that allows
 * only what the purpose needs. The temporary credentials live in the run's memory and end with it:
 * nothing here keeps, persists or logs them, so no later run, account or tenant can reuse them.
 */
final class StsSessions {

    /** What a session is for, and the actions its session policy allows. */
    enum Purpose {
        VERIFY("verify", List.of("ec2:DescribeRegions")),
        SYNC("sync", SetupDocuments.INVENTORY_ACTIONS),
        STOP("stop", List.of("ec2:DescribeInstances", "ec2:StopInstances")),
        START("start", List.of("ec2:DescribeInstances", "ec2:StartInstances")),
        SNAPSHOT("snapshot", List.of("ec2:DescribeVolumes", "ec2:DescribeSnapshots", "ec2:CreateSnapshot", "ec2:CreateTags",
                "ec2:DeleteSnapshot"));

        final String label;
        final String sessionPolicy;

        Purpose(String label, List<String> actions) {
            this.label = label;
            this.sessionPolicy = SetupDocuments.sessionPolicyJson(actions);
        }
    }

    /** An open session. Its credentials are the SDK's; this record's text never shows them. */
    record Session(String roleSessionName, AwsSessionCredentials credentials, java.time.Instant expiration) {
        @Override
        public String toString() {
            return "Session[" + roleSessionName + ", expires " + expiration + "]";
        }
    }

    private final AwsAccess aws;
    private final Duration duration;

    StsSessions(AwsAccess aws, Duration duration) {
        this.aws = aws;
        this.duration = duration;
    }

    /** A new session name: {@code cw-<first 8 hex of the tenant id>-<purpose>-<12 random hex>} (at most 64 characters, as STS requires). */
    static String newName(UUID tenant, Purpose purpose) {
        return "cw-" + tenant.toString().substring(0, 8) + "-" + purpose.label + "-" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /** The session name of a job run: the run's own id, so the customer can match the two. */
    static String nameFor(UUID tenant, Purpose purpose, UUID run) {
        return "cw-" + tenant.toString().substring(0, 8) + "-" + purpose.label + "-" + run.toString().replace("-", "").substring(0, 12);
    }

    /** A new AssumeRole named {@code name}. AWS's refusals come out as the SDK's exceptions. */
    Session open(RoleArn role, Secret externalId, Purpose purpose, String name) {
        AssumeRoleResponse response = aws.sts().assumeRole(r -> r.roleArn(role.value()).externalId(externalId.reveal())
                .roleSessionName(name).durationSeconds((int) duration.toSeconds()).policy(purpose.sessionPolicy));
        Credentials c = response.credentials();
        return new Session(name, AwsSessionCredentials.create(c.accessKeyId(), c.secretAccessKey(), c.sessionToken()), c.expiration());
    }
}
