package dev.cloudwarden.cloud.internal;

import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.activity.Target;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.crypto.EncryptedColumn;
import dev.cloudwarden.crypto.FieldCrypto;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Promise P10: each tenant's external ID, made by the platform (160 random bits) the first time it
 * is needed, stable afterwards, never chosen by the customer, and stored only as a field ciphertext.
 * AWS's confused-deputy guidance asks exactly this of a vendor: the ID is ours, so another customer
 * cannot name it in their own role to make the platform act on someone else's account.
 */
@Component
class ExternalIds {

    static final EncryptedColumn COLUMN = new EncryptedColumn("cloud_external_ids", "tenant_id", "external_id_ciphertext");

    private final JdbcClient jdbc;
    private final FieldCrypto crypto;
    private final ActivityLog activity;
    private final SecureRandom random = new SecureRandom();

    ExternalIds(JdbcClient jdbc, FieldCrypto crypto, ActivityLog activity) {
        this.jdbc = jdbc;
        this.crypto = crypto;
        this.activity = activity;
    }

    /** The tenant's external ID, made now if it has none. Inside the caller's tenant transaction. */
    Secret of(UUID tenant) {
        Optional<byte[]> stored = read(tenant);
        if (stored.isPresent()) {
            return crypto.decryptSecret(tenant, COLUMN.field(), tenant, stored.get());
        }
        byte[] bytes = new byte[20];
        random.nextBytes(bytes);
        Secret made = Secret.of("cw-" + HexFormat.of().formatHex(bytes));
        int inserted = jdbc.sql("insert into cloud_external_ids (tenant_id, external_id_ciphertext) values (?, ?) on conflict do nothing")
                .params(tenant, crypto.encryptSecret(tenant, COLUMN.field(), tenant, made)).update();
        if (inserted == 1) {
            activity.record(Action.CLOUD_EXTERNAL_ID_CREATED, Target.tenant(tenant));
            return made;
        }
        // another request made it first: theirs stands
        return crypto.decryptSecret(tenant, COLUMN.field(), tenant, read(tenant).orElseThrow());
    }

    /** Whether the tenant has its external ID (the setup was opened at least once). */
    boolean exists(UUID tenant) {
        return read(tenant).isPresent();
    }

    /** The tenant's external ID; 409 {@code setup_required} when it has none yet (nothing is made here). */
    Secret existing(UUID tenant) {
        byte[] stored = read(tenant).orElseThrow(() -> dev.cloudwarden.common.ApiProblem.conflict("setup_required",
                "Open the setup page first: it makes this organisation's external ID, which the role's trust policy must name."));
        return crypto.decryptSecret(tenant, COLUMN.field(), tenant, stored);
    }

    private Optional<byte[]> read(UUID tenant) {
        return jdbc.sql("select external_id_ciphertext from cloud_external_ids where tenant_id = ?").param(tenant)
                .query(byte[].class).optional();
    }
}
