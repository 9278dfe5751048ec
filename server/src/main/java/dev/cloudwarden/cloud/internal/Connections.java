package dev.cloudwarden.cloud.internal;

import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.crypto.FieldCrypto;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Component;

/** What the platform needs to open a session on an account: its role ARN and the tenant's external ID, both decrypted here only. */
@Component
class Connections {

    /** An account's role, its regions and the tenant's external ID; neither secret ever shows in text. */
    record Connection(UUID tenant, UUID account, RoleArn role, Secret externalId, List<String> regions) {
        @Override
        public String toString() {
            return "Connection[" + account + ", " + role + "]";
        }
    }

    private final CloudAccountRows rows;
    private final ExternalIds externalIds;
    private final FieldCrypto crypto;

    Connections(CloudAccountRows rows, ExternalIds externalIds, FieldCrypto crypto) {
        this.rows = rows;
        this.externalIds = externalIds;
        this.crypto = crypto;
    }

    /** Inside the tenant's transaction; 404 when the account is not the tenant's. */
    Connection of(UUID tenant, UUID account) {
        byte[] ciphertext = rows.roleArnCiphertext(account).orElseThrow(ApiProblem::notFound);
        List<String> regions = rows.find(account).orElseThrow(ApiProblem::notFound).regions();
        RoleArn role = RoleArn.parse("roleArn", crypto.decryptString(tenant, CloudAccountRows.ROLE_ARN.field(), account, ciphertext));
        return new Connection(tenant, account, role, externalIds.existing(tenant), regions);
    }
}
