package dev.cloudwarden.cloud.internal;

import dev.cloudwarden.tenancy.TenantRenewed;
import dev.cloudwarden.tenancy.TenantTerminated;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Jobs follow the subscription, in the transaction that changes it. Termination takes every job off
 * the scheduler's queue and ends its queued and running runs; the jobs themselves, paused or not,
 * are kept as they are, so renewal plans exactly those that were not paused. (Execution checks the
 * tenant's status too, so a run a node had already taken does not act either.)
 */
@Component
class SubscriptionChanges {

    private final Jobs jobs;
    private final JobRunner runner;
    private final CloudAccountRows accounts;

    SubscriptionChanges(Jobs jobs, JobRunner runner, CloudAccountRows accounts) {
        this.jobs = jobs;
        this.runner = runner;
        this.accounts = accounts;
    }

    @EventListener
    void on(TenantTerminated terminated) {
        jobs.unplanAll();
        runner.cancelAll(accounts.list().stream().map(CloudAccountRows.Account::id).toList());
    }

    @EventListener
    void on(TenantRenewed renewed) {
        jobs.planAll();
    }
}
