package dev.cloudwarden.crypto;

import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.activity.Target;
import dev.cloudwarden.tenancy.TenantContext;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The key commands, run with the server's start-up (configuration, migrations, KEK) but without the
 * web server, then exit:
 * <ul>
 * <li>{@code ./cloudwarden keys rotate-kek} re-wraps every tenant keyset and audit signing key under
 * the current KEK. With the local KEK it first adds a new primary key to the keyset file; with AWS
 * KMS or Vault Transit the key is rotated in the key service (or a new key id configured) and this
 * command moves every keyset onto it.</li>
 * <li>{@code ./cloudwarden keys rotate-audit-key} retires the digest-signing key and makes a new one.</li>
 * </ul>
 * Both are recorded in the platform's activity log.
 */
@Component
@ConditionalOnExpression("'${cloudwarden.command:}' == 'keys-rotate-kek' or '${cloudwarden.command:}' == 'keys-rotate-audit-key'")
class KeyCommands implements ApplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(KeyCommands.class);

    private final KeyMaintenance maintenance;
    private final KeyEncryptionKey kek;
    private final AuditKeys auditKeys;
    private final ActivityLog activity;
    private final ConfigurableApplicationContext context;
    private final TenantContext tenants;
    private final TransactionTemplate tx;
    private final String command;

    KeyCommands(KeyMaintenance maintenance, KeyEncryptionKey kek, AuditKeys auditKeys, ActivityLog activity,
                ConfigurableApplicationContext context, TenantContext tenants, TransactionTemplate tx) {
        this.tenants = tenants;
        this.tx = tx;
        this.maintenance = maintenance;
        this.kek = kek;
        this.auditKeys = auditKeys;
        this.activity = activity;
        this.context = context;
        this.command = context.getEnvironment().getProperty("cloudwarden.command");
    }

    @Override
    public void run(ApplicationArguments args) {
        if (command.equals("keys-rotate-kek")) {
            if (kek instanceof LocalKek local) {
                local.rotate();
                log.info("Local KEK rotated: new primary {}", local.id());
            }
            KeyMaintenance.Rewrapped rewrapped = maintenance.rewrapUnderCurrentKek();
            int count = rewrapped.tenantKeysets();
            int signing = rewrapped.signingKeys();
            activity.record(Action.PLATFORM_KEK_ROTATED, Target.key(kek.id().replaceAll("[^A-Za-z0-9:/_.-]", "_")),
                    Map.of("kek", kek.id(), "keysets", count + signing));
            System.out.println("Re-wrapped " + count + " tenant keysets and " + signing + " signing keys under the current KEK.");
        } else {
            // the rotation and its event in one transaction, in the platform chain's scope
            String[] ids = tenants.callAs(ActivityLog.PLATFORM, () -> tx.execute(s -> {
                String[] rotated = auditKeys.rotate();
                activity.record(Action.PLATFORM_AUDIT_KEY_ROTATED, Target.key(rotated[1]),
                        Map.of("previous", rotated[0] == null ? "none" : rotated[0]));
                return rotated;
            }));
            System.out.println("Audit signing key rotated: " + (ids[0] == null ? "(none)" : ids[0]) + " retired, " + ids[1] + " current.");
        }
        context.close();
    }
}
