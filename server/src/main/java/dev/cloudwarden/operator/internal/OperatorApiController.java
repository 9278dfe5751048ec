package dev.cloudwarden.operator.internal;

import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.Ids;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.mfa.OneTimeCodes;
import dev.cloudwarden.operator.OperatorRole;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * The operators' JSON API under {@code /ops/api/v1} (docs/operators.md): sign-in with password and TOTP,
 * enrolment, tenants' metadata, access requests and their decisions, reads under a grant, lifecycle and
 * key actions. Who may call what is the route table's ({@code web.Routes}); the grant gate has run before
 * any read of tenant data here.
 */
@RestController
@RequestMapping(path = "/ops/api/v1", produces = "application/json")
class OperatorApiController {

    private final OperatorSessions sessions;
    private final Operators operators;
    private final OperatorActions actions;
    private final AccessRequests requests;
    private final SupportViews views;

    OperatorApiController(OperatorSessions sessions, Operators operators, OperatorActions actions, AccessRequests requests, SupportViews views) {
        this.sessions = sessions;
        this.operators = operators;
        this.actions = actions;
        this.requests = requests;
        this.views = views;
    }

    record SessionRequest(String email, Secret password, String otp) {
    }

    record SessionCreated(String token, Instant expiresAt) {
    }

    record EnrolmentOffer(Secret token) {
    }

    record Offered(String secret, String otpauthUri) {
    }

    record Enrolment(Secret token, Secret password, String code) {
    }

    record Enrolled(UUID operatorId) {
    }

    record Me(UUID operatorId, String email, OperatorRole role) {
    }

    record Roster(long platformAdmins, List<Operators.Operator> operators) {
    }

    record NewRequest(String tenantId, List<String> scopes, String reason, String ticket, Integer durationMinutes) {
    }

    record Termination(Integer retentionDays) {
    }

    /** A read under a grant: which grant allowed it, and until when. */
    record GrantedView(String scope, UUID grantId, Instant grantExpiresAt, List<String> columns, List<Map<String, Object>> rows) {
    }

    @PostMapping(path = "/sessions", consumes = "application/json")
    @ResponseStatus(HttpStatus.CREATED)
    SessionCreated signIn(@RequestBody SessionRequest request) {
        OperatorSessions.Issued issued = sessions.signIn(request.email(), request.password(), request.otp(), "api");
        return new SessionCreated(issued.token().reveal(), issued.expiresAt());
    }

    @DeleteMapping("/sessions/current")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void signOut(@AuthenticationPrincipal OperatorPrincipal operator) {
        sessions.signOut(operator);
    }

    @PostMapping(path = "/enrolments/offer", consumes = "application/json")
    Offered offer(@RequestBody EnrolmentOffer request) {
        OneTimeCodes.Offer offer = operators.offer(request.token());
        return new Offered(offer.secret().reveal(), offer.otpauthUri());
    }

    @PostMapping(path = "/enrolments", consumes = "application/json")
    @ResponseStatus(HttpStatus.CREATED)
    Enrolled enrol(@RequestBody Enrolment request) {
        return new Enrolled(operators.enrol(request.token(), request.password(), request.code()));
    }

    @GetMapping("/me")
    Me me(@AuthenticationPrincipal OperatorPrincipal operator) {
        return new Me(operator.operatorId(), operator.email(), operator.role());
    }

    @GetMapping("/operators")
    Roster operators() {
        return new Roster(operators.countActive(OperatorRole.PLATFORM_ADMIN), operators.list());
    }

    @GetMapping("/tenants")
    List<TenantMetadata.Tenant> tenants() {
        return actions.tenants();
    }

    @GetMapping("/tenants/{tenantId}")
    TenantMetadata.Tenant tenant(@PathVariable String tenantId) {
        return actions.tenant(Ids.fromPath(tenantId));
    }

    @GetMapping("/tenants/{tenantId}/users")
    GrantedView users(HttpServletRequest request) {
        return granted(request);
    }

    @GetMapping("/tenants/{tenantId}/cloud-accounts")
    GrantedView cloudAccounts(HttpServletRequest request) {
        return granted(request);
    }

    @GetMapping("/tenants/{tenantId}/jobs")
    GrantedView jobs(HttpServletRequest request) {
        return granted(request);
    }

    @GetMapping("/tenants/{tenantId}/activity")
    GrantedView activity(HttpServletRequest request) {
        return granted(request);
    }

    @PostMapping("/tenants/{tenantId}/terminate")
    Object terminate(@PathVariable String tenantId, @RequestBody(required = false) Termination body) {
        return actions.terminate(Ids.fromPath(tenantId), body == null ? null : body.retentionDays());
    }

    @PostMapping("/tenants/{tenantId}/renew")
    Object renew(@PathVariable String tenantId) {
        return actions.renew(Ids.fromPath(tenantId));
    }

    @PostMapping("/tenants/{tenantId}/keys/rotate")
    @ResponseStatus(HttpStatus.ACCEPTED)
    Map<String, String> rotateDataKey(@PathVariable String tenantId) {
        actions.rotateDataKey(Ids.fromPath(tenantId));
        return Map.of("status", "rotating");
    }

    @PostMapping("/keys/rewrap")
    Map<String, Integer> rewrap() {
        return Map.of("tenantKeysets", actions.rewrapUnderCurrentKek());
    }

    @GetMapping("/tombstones")
    Object tombstones() {
        return actions.tombstones();
    }

    @GetMapping("/access-requests")
    List<AccessRequests.Request> accessRequests() {
        return requests.queue(500);
    }

    @PostMapping(path = "/access-requests", consumes = "application/json")
    @ResponseStatus(HttpStatus.CREATED)
    AccessRequests.Request request(@AuthenticationPrincipal OperatorPrincipal operator, @RequestBody NewRequest body) {
        return requests.request(operator.operatorId(), body.tenantId(), body.scopes(), body.reason(), body.ticket(), body.durationMinutes());
    }

    @GetMapping("/access-requests/{id}")
    AccessRequests.Request accessRequest(@PathVariable String id) {
        return requests.find(Ids.fromPath(id)).orElseThrow(ApiProblem::notFound);
    }

    @PostMapping("/access-requests/{id}/approve")
    AccessRequests.Request approve(@AuthenticationPrincipal OperatorPrincipal operator, @PathVariable String id) {
        return requests.decide(Ids.fromPath(id), AccessRequests.Step.APPROVE, by(operator));
    }

    @PostMapping("/access-requests/{id}/deny")
    AccessRequests.Request deny(@AuthenticationPrincipal OperatorPrincipal operator, @PathVariable String id) {
        return requests.decide(Ids.fromPath(id), AccessRequests.Step.DENY, by(operator));
    }

    @PostMapping("/access-requests/{id}/revoke")
    AccessRequests.Request revoke(@AuthenticationPrincipal OperatorPrincipal operator, @PathVariable String id) {
        return requests.decide(Ids.fromPath(id), AccessRequests.Step.REVOKE, by(operator));
    }

    static AccessRequests.ByOperator by(OperatorPrincipal operator) {
        return new AccessRequests.ByOperator(operator.operatorId(), operator.role());
    }

    /** The view of the scope the grant gate checked for this request (the route table's, declared once). */
    private GrantedView granted(HttpServletRequest request) {
        OperatorWebParts.CheckedGrant checked = (OperatorWebParts.CheckedGrant) request.getAttribute(OperatorWebParts.GRANT);
        if (checked == null) {
            throw ApiProblem.notFound(); // never reached: the gate refuses first
        }
        SupportViews.View view = views.read(checked.read().scope(), checked.grant().id());
        return new GrantedView(view.scope().value(), checked.grant().id(), checked.grant().expiresAt(), view.columns(), view.rows());
    }
}
