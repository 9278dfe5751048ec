package dev.cloudwarden.identity.internal;

import dev.cloudwarden.identity.CloudwardenPrincipal;
import dev.cloudwarden.identity.Role;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.core.convert.TypeDescriptor;
import org.springframework.core.convert.converter.GenericConverter;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextImpl;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.security.web.csrf.DefaultCsrfToken;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.web.servlet.FlashMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * How console session attributes are written to {@code spring_session_attributes}: as small JSON
 * documents of a closed set of kinds, never as Java-serialised objects (no gadget chain to feed,
 * nothing a class change breaks), and holding ids only:
 *
 * <ul>
 *   <li>the signed-in user: user id, tenant id and role — no email, no name
 *       ({@link ConsolePrincipalCheck} loads the rest from the database on every request);</li>
 *   <li>the CSRF token;</li>
 *   <li>a sign-in waiting for its second factor ({@link ConsoleSecondFactor.Pending}: ids, deadline, tries);</li>
 *   <li>flash messages of a redirect (text only).</li>
 * </ul>
 * Anything else is refused when the session is saved: the request fails rather than store an
 * attribute nobody reviewed.
 */
final class ConsoleSessionAttributes implements GenericConverter {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final TypeDescriptor BYTES = TypeDescriptor.valueOf(byte[].class);

    /**
     * The signed-in user as a console session remembers them between requests. Not a
     * {@link dev.cloudwarden.tenancy.TenantPrincipal}: until it is replaced by the user as stored now,
     * nothing is scoped to its tenant.
     */
    record StoredPrincipal(UUID userId, UUID tenantId, Role role) implements org.springframework.security.core.AuthenticatedPrincipal {
        @Override
        public String getName() {
            return userId.toString(); // what Spring Session indexes sessions by (principal_name)
        }
    }

    @Override
    public Set<ConvertiblePair> getConvertibleTypes() {
        return Set.of(new ConvertiblePair(Object.class, byte[].class), new ConvertiblePair(byte[].class, Object.class));
    }

    @Override
    public Object convert(Object source, TypeDescriptor sourceType, TypeDescriptor targetType) {
        if (source == null) {
            return null;
        }
        return BYTES.equals(targetType) ? encode(source) : decode((byte[]) source);
    }

    static byte[] encode(Object value) {
        ObjectNode node = JSON.createObjectNode();
        switch (value) {
            case SecurityContext context when context.getAuthentication() == null -> node.put("kind", "anonymous");
            case SecurityContext context -> {
                StoredPrincipal principal = stored(context.getAuthentication());
                node.put("kind", "principal").put("userId", principal.userId().toString())
                        .put("tenantId", principal.tenantId().toString()).put("role", principal.role().name());
            }
            case CsrfToken csrf -> node.put("kind", "csrf").put("header", csrf.getHeaderName())
                    .put("parameter", csrf.getParameterName()).put("token", csrf.getToken());
            case ConsoleSecondFactor.Pending pending -> node.put("kind", "second-factor").put("userId", pending.userId().toString())
                    .put("tenantId", pending.tenantId().toString()).put("expiresAt", pending.expiresAt().toString())
                    .put("attempts", pending.attempts());
            case List<?> list when list.stream().allMatch(FlashMap.class::isInstance) -> {
                node.put("kind", "flash");
                list.forEach(flash -> node.withArray("maps").add(flashMap((FlashMap) flash)));
            }
            default -> throw new IllegalArgumentException("A console session may not hold a " + value.getClass().getName());
        }
        return JSON.writeValueAsBytes(node);
    }

    static Object decode(byte[] bytes) {
        JsonNode node = JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
        return switch (node.path("kind").asString("")) {
            case "anonymous" -> new SecurityContextImpl();
            case "principal" -> {
                StoredPrincipal principal = new StoredPrincipal(uuid(node, "userId"), uuid(node, "tenantId"),
                        Role.valueOf(node.path("role").asString()));
                yield new SecurityContextImpl(UsernamePasswordAuthenticationToken.authenticated(principal, null,
                        List.of(principal.role().authority())));
            }
            case "csrf" -> new DefaultCsrfToken(node.path("header").asString(), node.path("parameter").asString(),
                    node.path("token").asString());
            case "second-factor" -> new ConsoleSecondFactor.Pending(uuid(node, "tenantId"), uuid(node, "userId"),
                    Instant.parse(node.path("expiresAt").asString()), node.path("attempts").asInt());
            case "flash" -> {
                List<FlashMap> maps = new ArrayList<>();
                node.path("maps").forEach(map -> maps.add(flashMap(map)));
                yield maps;
            }
            default -> throw new IllegalArgumentException("Not a console session attribute this server writes");
        };
    }

    /** The ids and role of whoever an authentication stands for: a user just signed in, or one loaded from a session. */
    private static StoredPrincipal stored(Authentication authentication) {
        return switch (authentication.getPrincipal()) {
            case CloudwardenPrincipal p -> new StoredPrincipal(p.userId(), p.tenantId(), p.role());
            case StoredPrincipal p -> p;
            case null, default -> throw new IllegalArgumentException("A console session may hold only a signed-in user");
        };
    }

    private static ObjectNode flashMap(FlashMap flash) {
        ObjectNode node = JSON.createObjectNode();
        node.put("path", flash.getTargetRequestPath()).put("expiresAt", flash.getExpirationTime());
        flash.getTargetRequestParams().forEach((name, values) -> values.forEach(v -> node.withArray("params").addObject()
                .put("name", name).put("value", v)));
        flash.forEach((key, value) -> {
            if (!(value instanceof String text)) {
                throw new IllegalArgumentException("A flash message must be text");
            }
            node.withObject("values").put(key, text);
        });
        return node;
    }

    private static FlashMap flashMap(JsonNode node) {
        FlashMap flash = new FlashMap();
        flash.setTargetRequestPath(node.path("path").isNull() ? null : node.path("path").asString(null));
        flash.setExpirationTime(node.path("expiresAt").asLong());
        LinkedMultiValueMap<String, String> params = new LinkedMultiValueMap<>();
        node.path("params").forEach(p -> params.add(p.path("name").asString(), p.path("value").asString()));
        flash.addTargetRequestParams(params);
        Map<String, Object> values = new LinkedHashMap<>();
        node.path("values").properties().forEach(e -> values.put(e.getKey(), e.getValue().asString()));
        flash.putAll(values);
        return flash;
    }

    private static UUID uuid(JsonNode node, String field) {
        return UUID.fromString(node.path(field).asString());
    }
}
