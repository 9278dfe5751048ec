package dev.cloudwarden.operator.internal;

import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.github.kagkarlsson.scheduler.task.schedule.Schedules;
import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.activity.Target;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.Ids;
import dev.cloudwarden.operator.AccessScope;
import dev.cloudwarden.operator.OperatorRole;
import dev.cloudwarden.tenancy.TenantContext;
import dev.cloudwarden.tenancy.TenantTerminated;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Access requests and the grants they become (docs/operators.md). An operator asks for scopes of one
 * tenant, with a reason, a ticket and a duration of at most 8 hours; a platform administrator other than
 * the requester approves (the database refuses self-approval too) and, when the tenant's customer
 * approval (lockbox) is on, an OWNER or ADMIN of the tenant as well. The grant is then active until it
 * expires, by this server's clock, or either side revokes it. Every step is an event in the tenant's own
 * history ({@code access.*}) and, for operators' steps, in the platform's.
 *
 * <p>The rows are the tenant's, under row-level security: each step opens the tenant's scope for the
 * request row and the event only. Operators' lists go through {@code operator_access_requests()}.
 */
@Configuration(proxyBeanMethods = false)
class AccessRequests {

    private static final Logger log = LoggerFactory.getLogger(AccessRequests.class);
    static final Pattern TICKET = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/#-]{0,63}");
    private static final String COLUMNS = """
            id, tenant_id, operator_id, scopes, reason, ticket, duration_minutes, lockbox, status, requested_at, admin_id, admin_at,
            customer_at, activated_at, expires_at, ended_at, ended_by""";

    /** A request as both sides see it: what operators wrote and decided, never tenant data. */
    record Request(UUID id, UUID tenantId, UUID operatorId, List<String> scopes, String reason, String ticket, int durationMinutes,
                   boolean customerApproval, String status, Instant requestedAt, UUID adminId, Instant adminAt, Instant customerAt,
                   Instant activatedAt, Instant expiresAt, Instant endedAt, String endedBy) {

        /** Active by the clock given: approved by everyone it needs, not ended, not past its time. */
        public boolean activeAt(Instant now) {
            return status.equals("ACTIVE") && expiresAt.isAfter(now);
        }

        /** Waiting for the tenant's OWNER or ADMIN. */
        public boolean awaitsCustomer() {
            return status.equals("PENDING") && customerApproval && customerAt == null;
        }

        public boolean awaitsAdmin() {
            return status.equals("PENDING") && adminId == null;
        }
    }

    /** Who decides: a platform operator, or a user of the tenant (an OWNER or ADMIN, as the route table says). */
    sealed interface Decider permits ByOperator, ByCustomer {
    }

    record ByOperator(UUID operatorId, OperatorRole role) implements Decider {
    }

    record ByCustomer(UUID userId) implements Decider {
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final TenantContext tenants;
    private final ActivityLog activity;
    private final OperatorSettings settings;
    private final Clock clock;

    AccessRequests(JdbcClient jdbc, TransactionTemplate tx, TenantContext tenants, ActivityLog activity,
                   OperatorSettings settings, Clock clock) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.tenants = tenants;
        this.activity = activity;
        this.settings = settings;
        this.clock = clock;
    }

    Request request(UUID operatorId, String tenantId, List<String> scopes, String reason, String ticket, Integer durationMinutes) {
        UUID tenant = Ids.parse(tenantId, () -> ApiProblem.invalid("tenantId", "must be the id of an active tenant"));
        String[] wanted = scopes(scopes);
        String why = reason == null ? "" : reason.strip();
        if (why.length() < 10 || why.length() > 1000) {
            throw ApiProblem.invalid("reason", "must say why, in 10 to 1000 characters: the tenant reads it");
        }
        if (ticket == null || !TICKET.matcher(ticket.strip()).matches()) {
            throw ApiProblem.invalid("ticket", "must be the support ticket's reference: letters, digits and . _ : / # -, at most 64");
        }
        long longest = settings.maxGrant().toMinutes();
        if (durationMinutes == null || durationMinutes < OperatorSettings.SHORTEST_GRANT.toMinutes() || durationMinutes > longest) {
            throw ApiProblem.invalid("durationMinutes", "must be between " + OperatorSettings.SHORTEST_GRANT.toMinutes() + " and " + longest
                    + " minutes (" + settings.maxGrant().toHours() + " hours)");
        }
        UUID id = UUID.randomUUID();
        Instant now = clock.instant();
        Request created = inTenant(tenant, () -> {
            // The tenant's row, share-locked: a termination or a change of its customer approval waits for this
            // request and then sees it, so neither can slip between the check and the insert. A purged,
            // terminated or unknown tenant: one answer.
            boolean customerApproval = lockActiveTenant().orElseThrow(() -> ApiProblem.invalid("tenantId", "must be the id of an active tenant"));
            jdbc.sql("""
                    insert into access_requests (id, tenant_id, operator_id, scopes, reason, ticket, duration_minutes, lockbox, requested_at)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                    .params(id, tenant, operatorId, wanted, why, ticket.strip(), durationMinutes, customerApproval, Timestamp.from(now)).update();
            Request r = lockedOne(id);
            activity.record(Action.ACCESS_REQUESTED, target(id), Map.of("request", id, "scopes", String.join(",", wanted),
                    "duration_minutes", durationMinutes, "ticket", r.ticket(), "reason", r.reason(),
                    "customer_approval", r.customerApproval() ? "required" : "not_required"));
            return r;
        });
        platformEvent(created, "requested");
        log.info("Access request {} for tenant {} by operator {}", id, tenant, operatorId);
        return created;
    }

    /**
     * An approval. A platform administrator's must not be the requester's own; a customer's is only
     * asked for when the tenant's customer approval is on. The grant starts when the last approval it
     * needs is given, and lasts its duration from then.
     */
    Request approve(UUID tenant, UUID requestId, Decider decider) {
        Request approved = inTenant(tenant, () -> {
            Request r = pending(requestId);
            if (lockActiveTenant().isEmpty()) {
                throw ApiProblem.conflict("tenant_not_active", "The tenant is not active: nobody reads it.");
            }
            // offboarding ends an operator's requests; this holds even for one it missed
            if (!requesterActive(r.operatorId())) {
                throw ApiProblem.conflict("requester_not_active", "The operator who asked has left: nobody can approve this request any more.");
            }
            Instant now = clock.instant();
            switch (decider) {
                case ByOperator op -> {
                    if (op.role() != OperatorRole.PLATFORM_ADMIN) {
                        throw ApiProblem.forbidden("Only a platform administrator approves access requests.");
                    }
                    if (op.operatorId().equals(r.operatorId())) {
                        throw ApiProblem.forbidden("two_person_rule", "Nobody approves their own request: another platform administrator must.");
                    }
                    if (r.adminId() != null) {
                        throw ApiProblem.conflict("already_approved", "A platform administrator has already approved this request.");
                    }
                    jdbc.sql("update access_requests set admin_id = ?, admin_at = ? where id = ?")
                            .params(op.operatorId(), Timestamp.from(now), requestId).update();
                }
                case ByCustomer c -> {
                    if (!r.customerApproval()) {
                        throw ApiProblem.conflict("customer_approval_not_required",
                                "This request does not need your approval: customer approval was off when it was made.");
                    }
                    if (r.customerAt() != null) {
                        throw ApiProblem.conflict("already_approved", "Your organisation has already approved this request.");
                    }
                    jdbc.sql("update access_requests set customer_user_id = ?, customer_at = ? where id = ?")
                            .params(c.userId(), Timestamp.from(now), requestId).update();
                }
            }
            Request after = lockedOne(requestId);
            boolean complete = after.adminId() != null && (!after.customerApproval() || after.customerAt() != null);
            if (complete) {
                jdbc.sql("update access_requests set status = 'ACTIVE', activated_at = ?, expires_at = ? where id = ?")
                        .params(Timestamp.from(now), Timestamp.from(now.plus(Duration.ofMinutes(after.durationMinutes()))), requestId).update();
                after = lockedOne(requestId);
            }
            activity.record(Action.ACCESS_APPROVED, target(requestId), complete
                    ? Map.of("request", requestId, "by", by(decider), "active", true, "expires_at", after.expiresAt().toString())
                    : Map.of("request", requestId, "by", by(decider), "active", false));
            return after;
        });
        if (decider instanceof ByOperator) {
            platformEvent(approved, approved.status().equals("ACTIVE") ? "approved_active" : "approved");
        }
        return approved;
    }

    Request deny(UUID tenant, UUID requestId, Decider decider) {
        requireAdminOrCustomer(decider);
        Request denied = end(tenant, requestId, decider, "DENIED", Set.of("PENDING"), Action.ACCESS_DENIED);
        if (decider instanceof ByOperator) {
            platformEvent(denied, "denied");
        }
        return denied;
    }

    /** Either side ends a request or a grant at once: the requester, a platform administrator, or the tenant. */
    Request revoke(UUID tenant, UUID requestId, Decider decider) {
        Request revoked = inTenant(tenant, () -> {
            Request r = lockedOne(requestId);
            if (decider instanceof ByOperator op && op.role() != OperatorRole.PLATFORM_ADMIN && !op.operatorId().equals(r.operatorId())) {
                throw ApiProblem.forbidden("Only the requester or a platform administrator revokes an operator's access.");
            }
            return endLocked(r, decider, "REVOKED", Set.of("PENDING", "ACTIVE"), Action.ACCESS_REVOKED);
        });
        if (decider instanceof ByOperator) {
            platformEvent(revoked, "revoked");
        }
        return revoked;
    }

    /** What an operator does to a request. */
    enum Step { APPROVE, DENY, REVOKE }

    /** An operator's approval, denial or revocation of a request of any tenant, found by its id (404 if none). */
    Request decide(UUID requestId, Step step, ByOperator operator) {
        Request r = find(requestId).orElseThrow(ApiProblem::notFound);
        return switch (step) {
            case APPROVE -> approve(r.tenantId(), r.id(), operator);
            case DENY -> deny(r.tenantId(), r.id(), operator);
            case REVOKE -> revoke(r.tenantId(), r.id(), operator);
        };
    }

    /** The active grant that lets this operator read this scope of this tenant now, if there is one. */
    Optional<Request> activeGrant(UUID operatorId, UUID tenant, AccessScope scope) {
        Instant now = clock.instant();
        return tenants.callAs(tenant, () -> tx.execute(s -> jdbc.sql("select " + COLUMNS + """
                         from access_requests
                        where operator_id = ? and status = 'ACTIVE' and expires_at > ? and ? = any(scopes)
                          and exists (select 1 from tenants t where t.id = tenant_id and t.status = 'ACTIVE')
                          and exists (select 1 from operators o where o.id = operator_id and o.status = 'ACTIVE')
                        order by expires_at desc limit 1""")
                .params(operatorId, Timestamp.from(now), scope.value()).query(AccessRequests::row).optional()));
    }

    /**
     * Whether the grant still holds now, checked again inside the transaction that reads under it: a
     * revocation or termination committed after the gate's check stops this read too.
     */
    boolean stillActive(UUID grantId) {
        return jdbc.sql("""
                select exists (select 1 from access_requests r join tenants t on t.id = r.tenant_id join operators o on o.id = r.operator_id
                               where r.id = ? and r.status = 'ACTIVE' and r.expires_at > ? and t.status = 'ACTIVE' and o.status = 'ACTIVE')""")
                .params(grantId, Timestamp.from(clock.instant())).query(Boolean.class).single();
    }

    /** An open request (pending or active) of some operator, found across tenants. */
    private record Open(UUID id, UUID tenantId) {
    }

    /**
     * Ends every open request and grant of an operator who was disabled, in each tenant's history
     * ({@code access.revoked}, by {@code operator_disabled}), however many requests the platform has.
     */
    int endAllOf(UUID operatorId) {
        List<Open> open = tx.execute(s -> jdbc.sql("select id, tenant_id from operator_open_requests_of(?)").param(operatorId)
                .query((rs, n) -> new Open(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class))).list());
        int ended = 0;
        for (Open r : open) {
            ended += inTenant(r.tenantId(), () -> {
                int n = jdbc.sql("""
                        update access_requests set status = 'REVOKED', ended_at = ?, ended_by = 'system'
                        where id = ? and status in ('PENDING', 'ACTIVE')""").params(Timestamp.from(clock.instant()), r.id()).update();
                if (n == 1) {
                    activity.record(Action.ACCESS_REVOKED, target(r.id()), Map.of("request", r.id(), "by", "operator_disabled"));
                }
                return n;
            });
        }
        return ended;
    }

    private boolean requesterActive(UUID operatorId) {
        return jdbc.sql("select exists (select 1 from operators where id = ? and status = 'ACTIVE')").param(operatorId)
                .query(Boolean.class).single();
    }

    /** The tenant in scope's customer-approval setting, its row share-locked; empty unless it is active. */
    private Optional<Boolean> lockActiveTenant() {
        return jdbc.sql("select lockbox_required from tenants where status = 'ACTIVE' for share").query(Boolean.class).optional();
    }

    private static final String TENANT_FILTER =
            " from access_requests where (? = '' or strpos(lower(reason), lower(?)) > 0) and (? = '' or status = upper(?))";

    /**
     * How many of the tenant in scope's requests have a reason containing {@code text} (any case; empty: any) and the
     * state {@code state} (empty: any). Operators file them, so no tenant bounds how many: the console pages them in SQL.
     */
    long countOfTenant(String text, String state) {
        return tx.execute(s -> jdbc.sql("select count(*)" + TENANT_FILTER).params(text, text, state, state).query(Long.class).single());
    }

    /** One page of those requests, newest first. */
    List<Request> ofTenant(String text, String state, int limit, int offset) {
        return tx.execute(s -> jdbc.sql("select " + COLUMNS + TENANT_FILTER + " order by requested_at desc, id limit ? offset ?")
                .params(text, text, state, state, limit, offset).query(AccessRequests::row).list());
    }

    /** The tenant in scope's requests, newest first. */
    List<Request> ofTenant(int limit) {
        return tx.execute(s -> jdbc.sql("select " + COLUMNS + " from access_requests order by requested_at desc, id limit ?")
                .param(Math.max(1, Math.min(limit, 500))).query(AccessRequests::row).list());
    }

    /**
     * How many requests of every tenant the operators' console lists: those whose ticket or reason contains {@code text}
     * (any case; empty: any) with the status {@code status} (empty: any). Bounded by nothing, so counted and paged in SQL.
     */
    long countQueue(String text, String status) {
        return tx.execute(s -> jdbc.sql("select operator_access_request_count(?, ?)").params(text, status).query(Long.class).single());
    }

    /** One page of those requests, newest first. */
    List<Request> queue(String text, String status, int limit, int offset) {
        return tx.execute(s -> jdbc.sql("select " + COLUMNS + " from operator_access_request_page(?, ?, ?, ?)")
                .params(text, status, limit, offset).query(AccessRequests::row).list());
    }

    /** The operators' queue: every tenant's requests, newest first. */
    List<Request> queue(int limit) {
        return tx.execute(s -> jdbc.sql("select " + COLUMNS + " from operator_access_requests(null, null, ?)").param(limit)
                .query(AccessRequests::row).list());
    }

    /** One request of any tenant, for operators (its tenant is in it). */
    Optional<Request> find(UUID requestId) {
        return tx.execute(s -> jdbc.sql("select " + COLUMNS + " from operator_access_requests(?, null, 1)").param(requestId)
                .query(AccessRequests::row).optional());
    }

    /** Grants past their time are recorded as expired (they stopped working at their time already). */
    int expireDue() {
        List<Request> due = tx.execute(s -> jdbc.sql("select " + COLUMNS + " from operator_access_requests(null, ?, 1000)")
                .param(Timestamp.from(clock.instant())).query(AccessRequests::row).list());
        int expired = 0;
        for (Request r : due) {
            try {
                Request ended = inTenant(r.tenantId(), () -> {
                    Request locked = lockedOne(r.id());
                    if (!locked.status().equals("ACTIVE")) {
                        return null;
                    }
                    jdbc.sql("update access_requests set status = 'EXPIRED', ended_at = ?, ended_by = 'system' where id = ?")
                            .params(Timestamp.from(locked.expiresAt()), r.id()).update();
                    activity.record(Action.ACCESS_EXPIRED, target(r.id()), Map.of("request", r.id(), "expired_at", locked.expiresAt().toString()));
                    return lockedOne(r.id());
                });
                if (ended != null) {
                    platformEvent(ended, "expired");
                    expired++;
                }
            } catch (RuntimeException e) {
                log.warn("Access request {} could not be recorded as expired ({}); the next pass tries again", r.id(), e.getClass().getSimpleName());
            }
        }
        return expired;
    }

    /** Every minute, on one node: expired grants recorded. */
    @Bean
    RecurringTask<Void> accessExpiryTask(@Value("${cloudwarden.jobs.queue:jobs}") String queue) {
        return Tasks.recurring(queue + ".access-expiry", Schedules.fixedDelay(Duration.ofMinutes(1)))
                .execute((instance, context) -> expireDue());
    }

    /** A terminated tenant is read by nobody: its pending requests and grants end with it, in its transaction. */
    @EventListener
    void on(TenantTerminated event) {
        Instant now = clock.instant();
        List<UUID> open = jdbc.sql("select id from access_requests where status in ('PENDING', 'ACTIVE') for update")
                .query((rs, n) -> rs.getObject(1, UUID.class)).list();
        for (UUID id : open) {
            jdbc.sql("update access_requests set status = 'REVOKED', ended_at = ?, ended_by = 'system' where id = ?")
                    .params(Timestamp.from(now), id).update();
            activity.record(Action.ACCESS_REVOKED, target(id), Map.of("request", id, "by", "subscription_ended"));
        }
    }

    /** Whether the tenant in scope requires its own approval of every request. */
    boolean customerApprovalRequired() {
        return tx.execute(s -> jdbc.sql("select lockbox_required from tenants").query(Boolean.class).optional().orElse(false));
    }

    /**
     * Turns the tenant in scope's customer approval on or off. On applies to requests still pending too;
     * off leaves them needing it (nobody is let in by a change of setting).
     */
    void requireCustomerApproval(boolean required) {
        tx.executeWithoutResult(s -> {
            int changed = jdbc.sql("update tenants set lockbox_required = ? where lockbox_required <> ?").params(required, required).update();
            if (changed == 0) {
                return;
            }
            if (required) {
                jdbc.sql("update access_requests set lockbox = true where status = 'PENDING'").update();
            }
            activity.record(Action.LOCKBOX_CHANGED, Target.tenant(tenants.require()), Map.of("required", required));
        });
    }

    private Request end(UUID tenant, UUID requestId, Decider decider, String status, Set<String> from, Action action) {
        return inTenant(tenant, () -> endLocked(lockedOne(requestId), decider, status, from, action));
    }

    private Request endLocked(Request r, Decider decider, String status, Set<String> from, Action action) {
        if (r.status().equals("ACTIVE") && !r.activeAt(clock.instant())) {
            throw ApiProblem.conflict("request_closed", "This grant has expired already.");
        }
        if (!from.contains(r.status())) {
            throw ApiProblem.conflict("request_closed", "This request is " + r.status().toLowerCase() + " already.");
        }
        jdbc.sql("update access_requests set status = ?, ended_at = ?, ended_by = ? where id = ?")
                .params(status, Timestamp.from(clock.instant()), decider instanceof ByOperator ? "operator" : "customer", r.id()).update();
        activity.record(action, target(r.id()), Map.of("request", r.id(), "by", by(decider)));
        return lockedOne(r.id());
    }

    private static void requireAdminOrCustomer(Decider decider) {
        if (decider instanceof ByOperator op && op.role() != OperatorRole.PLATFORM_ADMIN) {
            throw ApiProblem.forbidden("Only a platform administrator decides about access requests.");
        }
    }

    private Request pending(UUID requestId) {
        Request r = lockedOne(requestId);
        if (!r.status().equals("PENDING")) {
            throw ApiProblem.conflict("request_closed", "This request is " + r.status().toLowerCase() + " already.");
        }
        return r;
    }

    /** The request in the tenant in scope, row-locked; 404 for one of another tenant or none. */
    private Request lockedOne(UUID requestId) {
        return jdbc.sql("select " + COLUMNS + " from access_requests where id = ? for update").param(requestId)
                .query(AccessRequests::row).optional().orElseThrow(ApiProblem::notFound);
    }

    private <T> T inTenant(UUID tenant, java.util.function.Supplier<T> work) {
        return tenants.callAs(tenant, () -> tx.execute(s -> work.get()));
    }

    private void platformEvent(Request r, String change) {
        activity.record(Action.OPERATOR_ACCESS_CHANGED, target(r.id()), Map.of("request", r.id(), "tenant", r.tenantId(), "change", change));
    }

    private static String by(Decider decider) {
        return decider instanceof ByOperator op ? (op.role() == OperatorRole.PLATFORM_ADMIN ? "platform_admin" : "operator") : "customer";
    }

    static Target target(UUID requestId) {
        return new Target("access_request", requestId.toString());
    }

    private static String[] scopes(List<String> scopes) {
        if (scopes == null || scopes.isEmpty()) {
            throw ApiProblem.invalid("scopes", "must name at least one of " + AccessScope.USERS.value() + ", " + AccessScope.CLOUD_ACCOUNTS.value()
                    + ", " + AccessScope.JOBS.value() + ", " + AccessScope.ACTIVITY.value());
        }
        Set<String> out = new LinkedHashSet<>();
        for (String s : scopes) {
            AccessScope scope = AccessScope.of(s == null ? "" : s.strip()).orElseThrow(() -> ApiProblem.invalid("scopes",
                    "each must be one of " + AccessScope.USERS.value() + ", " + AccessScope.CLOUD_ACCOUNTS.value() + ", "
                            + AccessScope.JOBS.value() + ", " + AccessScope.ACTIVITY.value() + " (all read-only)"));
            out.add(scope.value());
        }
        return out.toArray(String[]::new);
    }

    private static Request row(ResultSet rs, int n) throws SQLException {
        Array scopes = rs.getArray("scopes");
        List<String> list = new ArrayList<>(Arrays.asList((String[]) scopes.getArray()));
        return new Request(rs.getObject("id", UUID.class), rs.getObject("tenant_id", UUID.class), rs.getObject("operator_id", UUID.class),
                List.copyOf(list), rs.getString("reason"), rs.getString("ticket"), rs.getInt("duration_minutes"), rs.getBoolean("lockbox"),
                rs.getString("status"), instant(rs, "requested_at"), rs.getObject("admin_id", UUID.class), instant(rs, "admin_at"),
                instant(rs, "customer_at"), instant(rs, "activated_at"), instant(rs, "expires_at"), instant(rs, "ended_at"),
                rs.getString("ended_by"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
