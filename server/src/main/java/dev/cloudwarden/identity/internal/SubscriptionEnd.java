package dev.cloudwarden.identity.internal;

import dev.cloudwarden.tenancy.TenantTerminated;
import java.util.UUID;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The subscription ended: in the terminating transaction every user's sessions, tokens and unused
 * links end (each recorded). Sign-in is refused by the tenant's status ({@code active_users}), so the
 * users themselves are not touched: renewal finds each as it was, a disabled one still disabled.
 */
@Component
class SubscriptionEnd {

    private final JdbcClient jdbc;
    private final CredentialRevocation revocation;

    SubscriptionEnd(JdbcClient jdbc, CredentialRevocation revocation) {
        this.jdbc = jdbc;
        this.revocation = revocation;
    }

    @EventListener
    void on(TenantTerminated terminated) {
        for (UUID user : jdbc.sql("select id from users order by id").query(UUID.class).list()) {
            revocation.endEverythingOf(user, CredentialEvents.Reason.SUBSCRIPTION_ENDED);
        }
    }
}
