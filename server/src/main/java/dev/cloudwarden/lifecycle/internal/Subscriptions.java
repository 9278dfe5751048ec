package dev.cloudwarden.lifecycle.internal;

import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.activity.Target;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.CloudwardenProperties;
import dev.cloudwarden.identity.OrganisationMail;
import dev.cloudwarden.tenancy.TenantContext;
import dev.cloudwarden.tenancy.TenantRenewed;
import dev.cloudwarden.tenancy.TenantTerminated;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Terminating and renewing a tenant's subscription, each in one transaction with its activity event
 * and its neighbours' reactions ({@link TenantTerminated}, {@link TenantRenewed}). The status and the
 * dates are changed by the database's own functions (V14), which refuse what the rules do not allow.
 * Nothing of the tenant is deleted or rewritten: users, jobs and data stay exactly as they were, so
 * renewal restores the tenant precisely, a disabled user still disabled and a paused job still paused.
 */
@Service
class Subscriptions {

    private static final Logger log = LoggerFactory.getLogger(Subscriptions.class);
    static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("d MMMM yyyy, HH:mm 'UTC'").withZone(ZoneOffset.UTC);

    /** The subscription as the tenant's users and operators see it; the dates only while terminated. */
    record Subscription(String status, Instant terminatedAt, Instant purgeAfter) {
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final TenantContext tenants;
    private final ActivityLog activity;
    private final ApplicationEventPublisher events;
    private final OrganisationMail mail;
    private final LifecycleSettings settings;
    private final CloudwardenProperties platform;

    Subscriptions(JdbcClient jdbc, TransactionTemplate tx, TenantContext tenants, ActivityLog activity, ApplicationEventPublisher events,
                  OrganisationMail mail, LifecycleSettings settings, CloudwardenProperties platform) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.tenants = tenants;
        this.activity = activity;
        this.events = events;
        this.mail = mail;
        this.settings = settings;
        this.platform = platform;
    }

    /** The subscription of the tenant in scope. */
    Subscription current() {
        return tx.execute(s -> read()).orElseThrow(ApiProblem::notFound);
    }

    private Optional<Subscription> read() {
        return jdbc.sql("select status, terminated_at, purge_after from tenants").query((rs, n) -> new Subscription(
                rs.getString(1).toLowerCase(java.util.Locale.ROOT), instant(rs.getTimestamp(2)), instant(rs.getTimestamp(3)))).optional();
    }

    /**
     * Ends the tenant's subscription: nobody signs in, every session and token is revoked, nothing
     * runs; the data is kept for {@code retention} (the deployment's when null; a shorter one only in
     * dev), then purged. The administrators are told by email once it is done.
     */
    Subscription terminate(UUID tenant, Duration retention) {
        Duration keep = retention == null ? settings.retention() : retention;
        if (keep.isNegative() || keep.isZero()) {
            throw ApiProblem.invalid("retention", "must be a positive duration.");
        }
        if (keep.compareTo(settings.retention()) < 0 && platform.environment() != CloudwardenProperties.Environment.dev) {
            throw ApiProblem.invalid("retention", "must be at least " + settings.retention().toDays()
                    + " days, the deployment's retention (a shorter one only in dev).");
        }
        Subscription ended = tenants.callAs(tenant, () -> tx.execute(s -> {
            Subscription before = read().orElseThrow(ApiProblem::notFound);
            if (!before.status().equals("active")) {
                throw ApiProblem.conflict("already_terminated", "The subscription has already ended; it is kept until "
                        + DATE.format(before.purgeAfter()) + ".");
            }
            Subscription after;
            try {
                after = jdbc.sql("select terminated_at, purge_after from tenant_terminate(?, make_interval(secs => ?))")
                        .params(tenant, keep.toMillis() / 1000.0)
                        .query((rs, n) -> new Subscription("terminated", instant(rs.getTimestamp(1)), instant(rs.getTimestamp(2)))).single();
            } catch (DataAccessException e) {
                if (e.getMostSpecificCause() instanceof SQLException sql && "22023".equals(sql.getSQLState())) {
                    throw ApiProblem.invalid("retention", "is shorter than the database accepts (60 days; a minute in dev).");
                }
                throw e;
            }
            activity.record(Action.TENANT_TERMINATED, Target.tenant(tenant),
                    Map.of("retention", keep.toString(), "purge_after", after.purgeAfter().toString()));
            events.publishEvent(new TenantTerminated(tenant));
            return after;
        }));
        notifyAdministrators(tenant, "Your Cloudwarden subscription has ended", """
                The subscription of your organisation on Cloudwarden ended on %s.

                Nobody can sign in to it any more, every session and access token was revoked, and its jobs no longer run.
                Its data is kept until %s. Renewing the subscription before then restores the organisation as it was
                (everyone signs in again; access tokens and pending invitations must be made anew). After that date
                everything is deleted for good, and the organisation's encryption keys are destroyed.
                """.formatted(DATE.format(ended.terminatedAt()), DATE.format(ended.purgeAfter())));
        return ended;
    }

    /** Renews a terminated subscription inside its retention window: the tenant is back as it was before termination. */
    Subscription renew(UUID tenant) {
        return tenants.callAs(tenant, () -> tx.execute(s -> {
            Subscription before = read().orElseThrow(ApiProblem::notFound);
            if (before.status().equals("active")) {
                throw ApiProblem.conflict("not_terminated", "The subscription is active: there is nothing to renew.");
            }
            Boolean renewed = jdbc.sql("select tenant_renew(?)").param(tenant).query(Boolean.class).single();
            if (!renewed) {
                throw ApiProblem.conflict("retention_over", "The retention window ended on " + DATE.format(before.purgeAfter())
                        + ": the organisation is due to be purged and can no longer be renewed.");
            }
            activity.record(Action.TENANT_RENEWED, Target.tenant(tenant));
            events.publishEvent(new TenantRenewed(tenant));
            return read().orElseThrow();
        }));
    }

    /** Best effort, after the change committed: a mail server that is down does not undo a termination. */
    int notifyAdministrators(UUID tenant, String subject, String body) {
        try {
            return tenants.callAs(tenant, () -> mail.toAdministrators(subject, body));
        } catch (RuntimeException e) {
            log.warn("Could not send a subscription notice ({})", e.getClass().getSimpleName());
            return 0;
        }
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
