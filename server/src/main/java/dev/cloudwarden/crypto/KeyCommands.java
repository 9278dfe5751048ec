package dev.cloudwarden.crypto;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.stereotype.Component;

/**
 * {@code ./cloudwarden keys rotate-kek}: runs the server's start-up (configuration, migrations, KEK)
 * without the web server, re-wraps every tenant keyset under the current KEK and exits. With the
 * local KEK it first adds a new primary key to the keyset file; with AWS KMS or Vault Transit the
 * key is rotated in the key service (or a new key id configured) and this command moves every
 * keyset onto it.
 */
@Component
@ConditionalOnProperty(name = "cloudwarden.command", havingValue = "keys-rotate-kek")
class KeyCommands implements ApplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(KeyCommands.class);

    private final KeyMaintenance maintenance;
    private final KeyEncryptionKey kek;
    private final ConfigurableApplicationContext context;

    KeyCommands(KeyMaintenance maintenance, KeyEncryptionKey kek, ConfigurableApplicationContext context) {
        this.maintenance = maintenance;
        this.kek = kek;
        this.context = context;
    }

    @Override
    public void run(ApplicationArguments args) {
        if (kek instanceof LocalKek local) {
            local.rotate();
            log.info("Local KEK rotated: new primary {}", local.id());
        }
        int count = maintenance.rewrapAllTenantKeysets();
        System.out.println("Re-wrapped " + count + " tenant keysets under the current KEK.");
        context.close();
    }
}
