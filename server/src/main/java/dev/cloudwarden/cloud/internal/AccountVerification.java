package dev.cloudwarden.cloud.internal;

import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.tenancy.TenantContext;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ec2.model.Region;

/**
 * Verify = a session of its own (AssumeRole with this tenant's external ID, a session policy allowing
 * only DescribeRegions) and one DescribeRegions in the platform's STS region, which also shows whether
 * each of the account's regions is enabled. No database connection is held while AWS answers. The outcome and the session's name go
 * to the account and to the activity history, so the customer can find the session in CloudTrail.
 */
@Service
class AccountVerification {

    private final CloudAccountRows rows;
    private final Connections connections;
    private final StsSessions sessions;
    private final AwsAccess aws;
    private final ActivityLog activity;
    private final TenantContext tenants;
    private final TransactionTemplate tx;
    private final Clock clock;

    AccountVerification(CloudAccountRows rows, Connections connections, StsSessions sessions, AwsAccess aws, ActivityLog activity,
                        TenantContext tenants, TransactionTemplate tx, Clock clock) {
        this.rows = rows;
        this.connections = connections;
        this.sessions = sessions;
        this.aws = aws;
        this.activity = activity;
        this.tenants = tenants;
        this.tx = tx;
        this.clock = clock;
    }

    CloudAccountRows.Account verify(UUID id) {
        UUID tenant = tenants.require();
        Connections.Connection connection = tx.execute(s -> connections.of(tenant, id));
        String name = StsSessions.newName(tenant, StsSessions.Purpose.VERIFY);
        AwsErrors.Problem problem = null;
        // DescribeRegions where STS is: a region every account has enabled, so a disabled one of the account's is named below
        String region = aws.stsRegion();
        try {
            StsSessions.Session session = sessions.open(connection.role(), connection.externalId(), StsSessions.Purpose.VERIFY, name);
            AwsAccess.Ec2Session ec2 = aws.ec2(session.credentials(), region);
            Set<String> enabled = ec2.client().describeRegions(b -> b.overrideConfiguration(ec2.signedAs())).regions().stream()
                    .map(Region::regionName).collect(Collectors.toSet());
            for (String wanted : connection.regions()) {
                if (!enabled.contains(wanted)) {
                    problem = AwsErrors.regionDisabled(wanted);
                    break;
                }
            }
        } catch (SdkException e) {
            problem = AwsErrors.of(e, aws.platformPrincipal(), region);
        }
        AwsErrors.Problem outcome = problem;
        return tx.execute(s -> {
            boolean ok = outcome == null;
            if (!rows.recordVerification(id, ok ? "verified" : "failed", ok ? null : outcome.code(), ok ? null : outcome.message(),
                    clock.instant(), name)) {
                throw ApiProblem.notFound(); // deleted while AWS answered
            }
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("outcome", ok ? "verified" : "failed");
            if (!ok) {
                details.put("code", outcome.code());
            }
            details.put("role_session_name", name);
            activity.record(Action.CLOUD_ACCOUNT_VERIFIED, CloudAccounts.target(id), details);
            return rows.find(id).orElseThrow();
        });
    }
}
