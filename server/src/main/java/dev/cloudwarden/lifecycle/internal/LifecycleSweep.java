package dev.cloudwarden.lifecycle.internal;

import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.github.kagkarlsson.scheduler.task.schedule.Schedules;
import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.activity.Target;
import dev.cloudwarden.identity.OrganisationMail;
import dev.cloudwarden.tenancy.TenantContext;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The daily lifecycle pass, once per platform (a db-scheduler recurring task: one node takes it):
 * the purge notice to the administrators of each terminated tenant whose purge is near, the purge
 * of each one past its window, and the platform's record of any purge a crash left unrecorded. Which tenants are due is decided by the database's clock, the
 * one its purge function checks.
 */
@Configuration(proxyBeanMethods = false)
class LifecycleSweep {

    private static final Logger log = LoggerFactory.getLogger(LifecycleSweep.class);

    /** A terminated tenant as the pass sees it: ids and dates only. */
    record Due(UUID tenant, Instant purgeAfter, boolean noticeDue, boolean purgeDue) {
    }

    /** What one pass did. */
    record Outcome(int notices, int purged, int failed) {
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final TenantContext tenants;
    private final ActivityLog activity;
    private final OrganisationMail mail;
    private final TenantPurge purge;
    private final LifecycleSettings settings;

    LifecycleSweep(JdbcClient jdbc, TransactionTemplate tx, TenantContext tenants, ActivityLog activity, OrganisationMail mail,
                   TenantPurge purge, LifecycleSettings settings) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.tenants = tenants;
        this.activity = activity;
        this.mail = mail;
        this.purge = purge;
        this.settings = settings;
    }

    /** Named after the jobs' queue, so servers that share a database but not a queue (the tests') keep their passes apart. */
    @Bean
    RecurringTask<Void> lifecycleTask(@Value("${cloudwarden.jobs.queue:jobs}") String queue) {
        return Tasks.recurring(queue + ".lifecycle", Schedules.cron(settings.schedule(), ZoneOffset.UTC))
                .execute((instance, context) -> sweep());
    }

    /** One pass; a tenant that fails is logged (by id) and tried again at the next pass, the others go on. */
    Outcome sweep() {
        List<Due> due = tx.execute(s -> jdbc.sql("select * from tenants_in_lifecycle(make_interval(secs => ?))")
                .param(settings.purgeNotice().toSeconds())
                .query((rs, n) -> new Due(rs.getObject(1, UUID.class), rs.getTimestamp(2).toInstant(), rs.getBoolean(3), rs.getBoolean(4)))
                .list());
        int notices = 0;
        int purged = 0;
        int failed = 0;
        for (Due d : due) {
            try {
                if (d.purgeDue()) {
                    purge.purge(d.tenant());
                    purged++;
                } else if (d.noticeDue()) {
                    sendPurgeNotice(d);
                    notices++;
                }
            } catch (RuntimeException e) {
                failed++;
                log.warn("The lifecycle pass could not complete for tenant {} ({}); the next pass tries again", d.tenant(),
                        e.getClass().getSimpleName());
            }
        }
        purge.announcePending();
        return new Outcome(notices, purged, failed);
    }

    /** The notice first, then the mark: a mail server that is down means the notice is tried again tomorrow, not lost. */
    private void sendPurgeNotice(Due d) {
        tenants.runAs(d.tenant(), () -> {
            int sent = mail.toAdministrators("Your organisation's data on Cloudwarden will be deleted on "
                    + Subscriptions.DATE.format(d.purgeAfter()), """
                    The subscription of your organisation on Cloudwarden has ended, and the time its data is kept ends on %s.

                    After that date every record of the organisation is deleted for good, and its encryption keys are
                    destroyed: it cannot be recovered. To keep it, renew the subscription before then.
                    """.formatted(Subscriptions.DATE.format(d.purgeAfter())));
            tx.executeWithoutResult(s -> {
                jdbc.sql("update tenants set purge_notice_sent_at = now() where status = 'TERMINATED'").update();
                activity.record(Action.TENANT_PURGE_NOTICE_SENT, Target.tenant(d.tenant()),
                        Map.of("purge_after", d.purgeAfter().toString(), "recipients", sent));
            });
        });
    }
}
