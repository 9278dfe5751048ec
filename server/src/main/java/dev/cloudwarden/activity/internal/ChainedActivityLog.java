package dev.cloudwarden.activity.internal;

import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityKeys;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.activity.AgentActor;
import dev.cloudwarden.activity.ClientAddress;
import dev.cloudwarden.activity.OperatorActor;
import dev.cloudwarden.activity.Target;
import dev.cloudwarden.audit.Event;
import dev.cloudwarden.tenancy.TenantContext;
import dev.cloudwarden.tenancy.TenantPrincipal;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/** {@link ActivityLog}: builds the event from the request and principal in scope and appends it to its chain. */
@Component
class ChainedActivityLog implements ActivityLog {

    static final int MAX_DETAILS = 16;
    static final int MAX_VALUE = 1000;
    private static final Pattern DETAIL_KEY = Pattern.compile("[a-z][a-z0-9_]{0,39}");

    private final Chain chain;
    private final TenantContext tenants;
    private final ActivityKeys keys;
    private final ClientAddress clientAddress;
    private final Clock clock;
    private final TransactionTemplate platformTx;

    ChainedActivityLog(Chain chain, TenantContext tenants, ActivityKeys keys, ClientAddress clientAddress, Clock clock,
                       PlatformTransactionManager transactions) {
        this.chain = chain;
        this.tenants = tenants;
        this.keys = keys;
        this.clientAddress = clientAddress;
        this.clock = clock;
        this.platformTx = new TransactionTemplate(transactions);
        this.platformTx.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    @Override
    public void record(Action action, Target target, Map<String, ?> details) {
        if (action.log() == Action.Log.PLATFORM) {
            Event e = build(PLATFORM, action, target, details);
            if (tenants.current().filter(PLATFORM::equals).isPresent() && TransactionSynchronizationManager.isActualTransactionActive()) {
                chain.append(PLATFORM, clock.instant(), e); // a platform change in the platform's scope: in its transaction
            } else {
                tenants.detached(() -> tenants.callAs(PLATFORM, () -> platformTx.execute(s -> chain.append(PLATFORM, clock.instant(), e))));
            }
            return;
        }
        if (!TransactionSynchronizationManager.isActualTransactionActive() || TransactionSynchronizationManager.isCurrentTransactionReadOnly()) {
            throw new IllegalStateException("record " + action.id() + " in the transaction of the change it describes");
        }
        UUID tenant = tenants.require();
        chain.append(tenant, clock.instant(), build(tenant, action, target, details));
    }

    private Event build(UUID tenant, Action action, Target target, Map<String, ?> details) {
        String actorType;
        String actorId = null;
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        HttpServletRequest request = RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes a ? a.getRequest() : null;
        // A principal of another tenant (someone signed in elsewhere who signs in again, say) is not the actor here.
        if (auth != null && auth.isAuthenticated() && auth.getPrincipal() instanceof OperatorActor operator) {
            actorType = "operator"; // platform staff, in any chain: their own actions and their access to a tenant
            actorId = operator.operatorId().toString();
        } else if (auth != null && auth.isAuthenticated() && auth.getPrincipal() instanceof AgentActor agent && agent.tenantId().equals(tenant)) {
            actorType = "agent"; // a host agent, in a request it signed
            actorId = agent.agentId().toString();
        } else if (auth != null && auth.isAuthenticated() && auth.getPrincipal() instanceof TenantPrincipal p && p.tenantId().equals(tenant)) {
            actorType = "user";
            actorId = p.userId().toString();
        } else if (action.actor() == Action.Actor.TARGET && request != null && target != null && target.type().equals("user")) {
            // the user acts on themselves in a request of theirs; outside any request (a termination by an operator's
            // command, say) nobody but the platform acted
            actorType = "user";
            actorId = target.id();
        } else if (request == null) {
            actorType = "system";
        } else {
            actorType = "anonymous";
        }
        String sourceIp = request == null ? null : clientAddress.of(request);
        String userAgent = request == null ? null : userAgent(request.getHeader("User-Agent"));
        return new Event(tenant.toString(), 0, null, action.id(), actorType, actorId, target == null ? null : target.type(),
                target == null ? null : target.id(), sourceIp, userAgent, protect(tenant, action, details), null, null);
    }

    /** Clear keys as they are; every other value as the tenant's keyed hash. The platform log holds clear keys only. */
    private Map<String, String> protect(UUID tenant, Action action, Map<String, ?> details) {
        if (details.size() > MAX_DETAILS) {
            throw new IllegalArgumentException(action.id() + ": at most " + MAX_DETAILS + " details");
        }
        Map<String, String> out = new TreeMap<>();
        details.forEach((key, value) -> {
            if (key == null || !DETAIL_KEY.matcher(key).matches() || value == null) {
                throw new IllegalArgumentException(action.id() + ": a detail key is lowercase snake_case and its value is not null");
            }
            String text = value.toString();
            if (action.clearKeys().contains(key)) {
                out.put(key, text.length() > MAX_VALUE ? text.substring(0, MAX_VALUE) : text);
            } else if (action.log() == Action.Log.PLATFORM) {
                throw new IllegalArgumentException(action.id() + ": the platform log keeps clear details only, and " + key + " is not one");
            } else {
                out.put(key, "hmac:" + HexFormat.of().formatHex(keys.detailHash(tenant, text.getBytes(StandardCharsets.UTF_8))));
            }
        });
        return out;
    }

    /** At most 512 printable characters: enough to recognise a browser, too little to smuggle a payload. */
    private static String userAgent(String header) {
        if (header == null) {
            return null;
        }
        String printable = header.replaceAll("[^\\x20-\\x7e]", "?").strip();
        if (printable.isEmpty()) {
            return null;
        }
        return printable.length() > 512 ? printable.substring(0, 512) : printable;
    }
}
