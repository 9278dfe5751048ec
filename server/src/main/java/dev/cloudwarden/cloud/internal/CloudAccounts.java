package dev.cloudwarden.cloud.internal;

import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.activity.Target;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.crypto.FieldCrypto;
import dev.cloudwarden.tenancy.TenantContext;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The tenant's cloud accounts: the setup documents, adding, listing, reading and deleting. */
@Service
class CloudAccounts {

    static final int MAX_ACCOUNTS = 1000;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The setup answer (SPEC §3): the sandbox role only in dev, with the sandbox running. */
    record Setup(String externalId, String platformPrincipal, String cloudFormationTemplate, JsonNode iamPolicy, SandboxRole sandbox) {
        @Override
        public String toString() {
            return "Setup[external ID and documents not shown]";
        }
    }

    record SandboxRole(String roleArn) {
        @Override
        public String toString() {
            return "SandboxRole[not shown]";
        }
    }

    record NewAccount(String name, String provider, String roleArn, List<String> regions) {
        @Override
        public String toString() {
            return "NewAccount[" + provider + ", " + regions + "]";
        }
    }

    private final CloudAccountRows rows;
    private final ExternalIds externalIds;
    private final FieldCrypto crypto;
    private final ActivityLog activity;
    private final TenantContext tenants;
    private final TransactionTemplate tx;
    private final Clock clock;
    private final AwsAccess aws;
    private final InventorySync sync;
    private final SandboxAws sandbox;
    private final Jobs jobs;
    private final JobRunner runner;

    CloudAccounts(CloudAccountRows rows, ExternalIds externalIds, FieldCrypto crypto, ActivityLog activity, TenantContext tenants,
                  TransactionTemplate tx, Clock clock, AwsAccess aws, InventorySync sync,
                  ObjectProvider<SandboxAws> sandbox, Jobs jobs, JobRunner runner) {
        this.jobs = jobs;
        this.runner = runner;
        this.rows = rows;
        this.externalIds = externalIds;
        this.crypto = crypto;
        this.activity = activity;
        this.tenants = tenants;
        this.tx = tx;
        this.clock = clock;
        this.aws = aws;
        this.sync = sync;
        this.sandbox = sandbox.getIfAvailable();
    }

    Setup setup() {
        UUID tenant = tenants.require();
        String principal = aws.platformPrincipal();
        if (principal == null) {
            throw ApiProblem.unavailable("Connecting AWS accounts is not configured on this server (cloudwarden.cloud.platform-principal).",
                    java.time.Duration.ofMinutes(5));
        }
        String externalId = tx.execute(s -> externalIds.of(tenant)).reveal();
        String partition = aws.platformPartition();
        SetupDocuments.Features features = tx.execute(s -> jobs.features());
        String policy = SetupDocuments.policyJson(partition, features);
        SandboxRole sandboxRole = sandbox == null ? null : new SandboxRole(sandbox.roleFor(tenant, externalId, policy));
        return new Setup(externalId, principal, SetupDocuments.cloudFormationTemplate(principal, externalId, partition, features),
                JSON.readTree(policy), sandboxRole);
    }

    CloudAccountRows.Account create(NewAccount request) {
        if (request == null) {
            throw ApiProblem.invalid("body", "is required");
        }
        String name = name(request.name());
        if (!"aws".equals(request.provider())) {
            throw ApiProblem.invalid("provider", "must be aws");
        }
        RoleArn role = RoleArn.parse("roleArn", request.roleArn());
        String partition = aws.platformPartition();
        if (partition != null && !partition.equals(role.partition())) {
            throw ApiProblem.invalid("roleArn", "must be a role in the " + partition + " partition, where this platform runs");
        }
        List<String> regions = regions(request.regions(), partition);
        UUID tenant = tenants.require();
        UUID id = UUID.randomUUID();
        return tx.execute(s -> {
            if (!externalIds.exists(tenant)) {
                throw ApiProblem.conflict("setup_required", "Open the setup page first: it makes this organisation's external ID, "
                        + "which the role's trust policy must name.");
            }
            rows.lockTenant(tenant); // one add at a time per tenant, so the count below holds
            if (rows.count() >= MAX_ACCOUNTS) {
                throw ApiProblem.conflict("too_many_accounts", "This organisation has " + MAX_ACCOUNTS + " cloud accounts; delete one first.");
            }
            byte[] hash = crypto.keyedHash(tenant, "cloud-role-arn", role.value().getBytes(StandardCharsets.UTF_8));
            try {
                rows.insert(id, tenant, name, crypto.encryptString(tenant, CloudAccountRows.ROLE_ARN.field(), id, role.value()), hash,
                        role.masked(), regions, clock.instant());
            } catch (DuplicateKeyException e) {
                throw ApiProblem.conflict("account_exists", "A cloud account with this role already exists in this organisation.");
            }
            activity.record(Action.CLOUD_ACCOUNT_ADDED, target(id), Map.of("provider", "aws", "regions", String.join(",", regions)));
            return rows.find(id).orElseThrow();
        });
    }

    List<CloudAccountRows.Account> list() {
        return tx.execute(s -> rows.list());
    }

    CloudAccountRows.Account get(UUID id) {
        return tx.execute(s -> rows.find(id)).orElseThrow(ApiProblem::notFound);
    }

    /**
     * Deletes the account with its inventory and jobs; a sync or job run under way on this node stops at
     * once (elsewhere it finds the account gone at its next write).
     */
    void delete(UUID id) {
        UUID tenant = tenants.require();
        tx.executeWithoutResult(s -> {
            jobs.forgetAccount(id); // its jobs go with it (cascade): their scheduler entries too
            if (!rows.delete(id)) {
                throw ApiProblem.notFound();
            }
            activity.record(Action.CLOUD_ACCOUNT_DELETED, target(id));
        });
        sync.cancel(tenant, id);
        runner.cancel(id);
    }

    static Target target(UUID account) {
        return new Target("cloud_account", account.toString());
    }

    private static String name(String name) {
        if (name == null || name.isBlank()) {
            throw ApiProblem.invalid("name", "is required");
        }
        String trimmed = name.strip();
        if (trimmed.length() > 100 || trimmed.codePoints().anyMatch(Character::isISOControl)) {
            throw ApiProblem.invalid("name", "must be at most 100 characters, without control characters");
        }
        return trimmed;
    }

    private static List<String> regions(List<String> regions, String partition) {
        if (regions == null || regions.isEmpty()) {
            throw ApiProblem.invalid("regions", "name at least one region, e.g. [\"us-east-1\"]");
        }
        if (regions.size() > 30) {
            throw ApiProblem.invalid("regions", "at most 30 regions");
        }
        Set<String> distinct = new LinkedHashSet<>();
        for (String region : regions) {
            distinct.add(Regions.check("regions", region, partition));
        }
        return List.copyOf(distinct);
    }
}
