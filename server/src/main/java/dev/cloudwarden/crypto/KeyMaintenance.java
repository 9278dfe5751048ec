package dev.cloudwarden.crypto;

import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.activity.Target;
import dev.cloudwarden.tenancy.TenantContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Key rotation. A KEK rotation re-wraps every tenant keyset and touches no data. A tenant data-key
 * rotation adds a new primary key at once (old ciphertexts keep decrypting); a background job waits
 * until every node must have noticed it (the keyring's epoch-check interval plus a grace for
 * transactions in flight), then re-encrypts every declared encrypted column under it and reports
 * its progress; once nothing is left under an old key, the old keys can be retired. The tenant's
 * activity history records the rotation (with the new key, in its transaction) and the end of the
 * re-encryption (actor "system": no request runs it).
 */
@Service
public class KeyMaintenance implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(KeyMaintenance.class);

    /** Progress of one tenant's re-encryption. */
    public record Progress(UUID tenant, int total, int reencrypted, boolean done, String failure) {
    }

    private final TenantKeyring keyring;
    private final PlatformKeys platformKeys;
    private final AuditKeys auditKeys;
    private final CommandKeys commandKeys;
    private final FieldCrypto crypto;
    private final List<EncryptedColumn> columns;
    private final TenantContext tenants;
    private final TransactionTemplate tx;
    private final JdbcClient jdbc;
    private final ActivityLog activity;
    private final Map<UUID, Progress> progress = new ConcurrentHashMap<>();
    private final ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();
    private final Duration settle;

    KeyMaintenance(TenantKeyring keyring, PlatformKeys platformKeys, AuditKeys auditKeys, CommandKeys commandKeys, FieldCrypto crypto, ObjectProvider<EncryptedColumn> columns, TenantContext tenants,
                   TransactionTemplate tx, JdbcClient jdbc, ActivityLog activity,
                   @Value("${cloudwarden.crypto.rotation.grace:PT1M}") Duration grace) {
        this.keyring = keyring;
        this.platformKeys = platformKeys;
        this.auditKeys = auditKeys;
        this.commandKeys = commandKeys;
        this.crypto = crypto;
        this.columns = columns.orderedStream().toList();
        this.tenants = tenants;
        this.tx = tx;
        this.jdbc = jdbc;
        this.activity = activity;
        // After this long, no node encrypts under the previous primary any more: each has re-read the
        // epoch (epoch-check), and a transaction that fetched the old key before that has ended (grace).
        this.settle = keyring.epochCheck().plus(grace);
    }

    /** What a re-wrap under the current KEK did. */
    public record Rewrapped(int tenantKeysets, int signingKeys) {
    }

    /**
     * Everything the KEK wraps, re-wrapped under the current one: the platform's keysets, every tenant's, the
     * signing keys (the activity history's and the agents' command key).
     */
    public Rewrapped rewrapUnderCurrentKek() {
        int tenantKeysets = rewrapAllTenantKeysets();
        return new Rewrapped(tenantKeysets, auditKeys.rewrap() + commandKeys.rewrap());
    }

    /** Re-wraps the platform's keysets and every tenant's under the current KEK; returns how many tenants were done. */
    public int rewrapAllTenantKeysets() {
        platformKeys.rewrap();
        List<UUID> all = keyring.allTenantIds();
        int done = 0;
        for (UUID tenant : all) {
            keyring.rewrap(tenant);
            done++;
            if (done % 1000 == 0) {
                log.info("KEK rotation: re-wrapped {} of {} tenant keysets", done, all.size());
            }
        }
        log.info("KEK rotation: re-wrapped {} tenant keysets under {}", done, keyring.kekId());
        return done;
    }

    /** Rotates the tenant's data key now and starts re-encrypting its values in the background. */
    public Future<Progress> rotateDataKey(UUID tenant) {
        // the keyring's transaction joins this one, so the new key and its event commit together
        tenants.runAs(tenant, () -> tx.executeWithoutResult(s -> {
            keyring.rotateDataKey(tenant);
            activity.record(Action.DATA_KEY_ROTATION_STARTED, Target.tenant(tenant));
        }));
        progress.put(tenant, new Progress(tenant, 0, 0, false, null));
        return background.submit(() -> reencrypt(tenant));
    }

    public Optional<Progress> progress(UUID tenant) {
        return Optional.ofNullable(progress.get(tenant));
    }

    /**
     * Waits until no node can still be encrypting under the previous data key, then re-encrypts, one
     * row per transaction, every value not under the tenant's current data key.
     */
    Progress reencrypt(UUID tenant) {
        int total = 0;
        int reencrypted = 0;
        try {
            awaitSettled(tenant);
            int primary = keyring.refresh(tenant).primaryKeyId();
            for (EncryptedColumn column : columns) {
                List<UUID> stale = tenants.callAs(tenant, () -> tx.execute(s -> jdbc
                        .sql("select " + column.idColumn() + ", " + column.column() + " from " + column.table()
                                + " where " + column.column() + " is not null")
                        .query((rs, n) -> FieldCrypto.keyId(rs.getBytes(2)) == primary ? null : rs.getObject(1, UUID.class))
                        .list().stream().filter(java.util.Objects::nonNull).toList()));
                total += stale.size();
                for (UUID row : stale) {
                    tenants.runAs(tenant, () -> tx.executeWithoutResult(s -> reencryptRow(tenant, column, row, primary)));
                    reencrypted++;
                    progress.put(tenant, new Progress(tenant, total, reencrypted, false, null));
                }
            }
            Progress finished = new Progress(tenant, total, reencrypted, true, null);
            recordFinished(tenant, reencrypted, "succeeded");
            progress.put(tenant, finished);
            log.info("Re-encryption for tenant {}: {} values moved to the current data key", tenant, reencrypted);
            return finished;
        } catch (RuntimeException e) {
            Progress failed = new Progress(tenant, total, reencrypted, true, e.getClass().getSimpleName());
            recordFinished(tenant, reencrypted, "failed");
            progress.put(tenant, failed);
            log.error("Re-encryption for tenant {} stopped after {} values", tenant, reencrypted, e);
            return failed;
        } catch (InterruptedException e) {
            Progress stopped = new Progress(tenant, total, reencrypted, true, "interrupted");
            recordFinished(tenant, reencrypted, "interrupted"); // before the flag is set again: the pool refuses interrupted threads
            Thread.currentThread().interrupt();
            progress.put(tenant, stopped);
            return stopped;
        }
    }

    /**
     * The end of a re-encryption, in a transaction of its own (each row moved in its own). Recorded
     * before the progress says done, so whoever waits for that finds the event; a failure to record
     * it is logged and does not hide the re-encryption's own outcome.
     */
    private void recordFinished(UUID tenant, int reencrypted, String outcome) {
        try {
            tenants.runAs(tenant, () -> tx.executeWithoutResult(s -> activity.record(Action.DATA_KEY_ROTATION_FINISHED,
                    Target.tenant(tenant), Map.of("reencrypted", reencrypted, "outcome", outcome))));
        } catch (RuntimeException e) {
            log.error("Re-encryption for tenant {} ended ({}) but could not be recorded in its activity history", tenant, outcome, e);
        }
    }

    /**
     * Drops the tenant's old data keys, refusing while any value still needs one of them, and before
     * every node can have noticed the last rotation (a node still encrypting under an old key would
     * otherwise write values no one could read).
     */
    public void retireOldDataKeys(UUID tenant) {
        Optional<Duration> since = keyring.sinceDataKeyRotation(tenant);
        if (since.isPresent() && since.get().compareTo(settle) < 0) {
            throw new IllegalStateException("The data key was rotated " + since.get().toMillis() + " ms ago; old keys retire only "
                    + settle.toMillis() + " ms after a rotation, once every node uses the new key");
        }
        int primary = keyring.refresh(tenant).primaryKeyId();
        for (EncryptedColumn column : columns) {
            long stale = tenants.callAs(tenant, () -> tx.execute(s -> jdbc
                    .sql("select " + column.column() + " from " + column.table() + " where " + column.column() + " is not null")
                    .query((rs, n) -> rs.getBytes(1)).list().stream().filter(c -> FieldCrypto.keyId(c) != primary).count()));
            if (stale > 0) {
                throw new IllegalStateException(stale + " values in " + column.field() + " still use an old data key; re-encrypt first");
            }
        }
        keyring.retireOldDataKeys(tenant, primary, settle);
    }

    /** Sleeps until the tenant's last data-key rotation is {@link #settle} old (by the database's clock). */
    private void awaitSettled(UUID tenant) throws InterruptedException {
        Optional<Duration> since = keyring.sinceDataKeyRotation(tenant);
        if (since.isPresent() && since.get().compareTo(settle) < 0) {
            Duration wait = settle.minus(since.get());
            log.info("Re-encryption for tenant {} starts in {} ms, once every node uses the new data key", tenant, wait.toMillis());
            Thread.sleep(wait.plusMillis(1));
        }
    }

    private void reencryptRow(UUID tenant, EncryptedColumn column, UUID row, int primary) {
        byte[] current = jdbc.sql("select " + column.column() + " from " + column.table() + " where " + column.idColumn() + " = ? for update")
                .param(row).query(byte[].class).optional().orElse(null);
        if (current == null || FieldCrypto.keyId(current) == primary) {
            return; // deleted or already moved meanwhile
        }
        byte[] plaintext = crypto.decrypt(tenant, column.field(), row, current);
        byte[] reencrypted = crypto.encrypt(tenant, column.field(), row, plaintext);
        java.util.Arrays.fill(plaintext, (byte) 0);
        if (FieldCrypto.keyId(reencrypted) != primary) {
            throw new IllegalStateException("The data key of the tenant changed during re-encryption; run it again");
        }
        jdbc.sql("update " + column.table() + " set " + column.column() + " = ? where " + column.idColumn() + " = ?")
                .params(reencrypted, row).update();
    }

    @Override
    public void destroy() {
        background.shutdownNow();
    }
}
