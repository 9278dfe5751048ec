package dev.cloudwarden.identity.internal;

import dev.cloudwarden.crypto.EncryptedColumn;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The encrypted columns this module owns, declared for key maintenance. */
@Configuration(proxyBeanMethods = false)
class IdentityColumns {

    @Bean
    EncryptedColumn tenantNameColumn() {
        return UserService.TENANT_NAME_COLUMN;
    }

    @Bean
    EncryptedColumn apiSessionAddressColumn() {
        return SignInOrigins.API_SESSION_ADDRESS;
    }

    @Bean
    EncryptedColumn consoleSessionAddressColumn() {
        return SignInOrigins.CONSOLE_SESSION_ADDRESS;
    }
}
