package dev.cloudwarden.agent;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A command of the platform to one agent, declared once for both sides: the server encodes and signs it
 * ({@link AgentProtocol#commandBase}), the agent decodes and checks it. It names its target (tenant and
 * agent) and its validity ({@code issuedAt} to {@code expiresAt}, Unix seconds), so a command is good for
 * one agent, for a short while, once.
 *
 * @param intervalSeconds the new heartbeat interval of an {@link #UPDATE_INTERVAL}; null for the others
 */
public record AgentCommand(UUID id, UUID tenantId, UUID agentId, String type, Integer intervalSeconds, long issuedAt, long expiresAt) {

    /** Send a heartbeat with fresh host facts now. */
    public static final String COLLECT_FACTS = "collect_facts";
    /** Beat every {@code intervalSeconds} from now on. */
    public static final String UPDATE_INTERVAL = "update_interval";
    /** Make a new key pair and have the server replace the old public key with the new one. */
    public static final String ROTATE_KEY = "rotate_key";
    public static final Set<String> TYPES = Set.of(COLLECT_FACTS, UPDATE_INTERVAL, ROTATE_KEY);
    public static final int MIN_INTERVAL_SECONDS = 30;
    public static final int MAX_INTERVAL_SECONDS = 3600;
    /** The longest a command may be valid. */
    public static final long MAX_VALIDITY_SECONDS = 3600;
    private static final Set<String> FIELDS = Set.of("v", "id", "tenantId", "agentId", "type", "intervalSeconds", "issuedAt", "expiresAt");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    public AgentCommand {
        if (id == null || tenantId == null || agentId == null || type == null || !TYPES.contains(type)) {
            throw new IllegalArgumentException("a command needs an id, a target and a known type");
        }
        if (type.equals(UPDATE_INTERVAL) != (intervalSeconds != null)
                || (intervalSeconds != null && (intervalSeconds < MIN_INTERVAL_SECONDS || intervalSeconds > MAX_INTERVAL_SECONDS))) {
            throw new IllegalArgumentException("intervalSeconds belongs to update_interval only, from 30 to 3600");
        }
        if (expiresAt <= issuedAt || expiresAt - issuedAt > MAX_VALIDITY_SECONDS) {
            throw new IllegalArgumentException("a command expires after it is issued, within an hour");
        }
    }

    public byte[] encode() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("v", 1);
        fields.put("id", id.toString());
        fields.put("tenantId", tenantId.toString());
        fields.put("agentId", agentId.toString());
        fields.put("type", type);
        if (intervalSeconds != null) {
            fields.put("intervalSeconds", intervalSeconds);
        }
        fields.put("issuedAt", issuedAt);
        fields.put("expiresAt", expiresAt);
        return JSON.writeValueAsBytes(fields);
    }

    /** The command in {@code bytes}: exactly the fields {@link #encode} writes, of their types; anything else is refused. */
    public static AgentCommand decode(byte[] bytes) {
        try {
            JsonNode node = JSON.readTree(bytes);
            if (node == null || !node.isObject() || !FIELDS.containsAll(node.propertyNames()) || !node.path("v").isInt()
                    || node.get("v").asInt() != 1) {
                throw new IllegalArgumentException("not a version 1 command");
            }
            JsonNode interval = node.get("intervalSeconds");
            if (interval != null && !interval.isInt()) {
                throw new IllegalArgumentException("intervalSeconds is not a number");
            }
            return new AgentCommand(uuid(node, "id"), uuid(node, "tenantId"), uuid(node, "agentId"), text(node, "type"),
                    interval == null ? null : interval.asInt(), seconds(node, "issuedAt"), seconds(node, "expiresAt"));
        } catch (JacksonException e) {
            throw new IllegalArgumentException("not JSON");
        }
    }

    private static String text(JsonNode node, String name) {
        JsonNode value = node.get(name);
        if (value == null || !value.isString()) {
            throw new IllegalArgumentException(name + " is missing");
        }
        return value.asString();
    }

    private static UUID uuid(JsonNode node, String name) {
        String text = text(node, name);
        UUID id = UUID.fromString(text);
        if (!id.toString().equals(text)) {
            throw new IllegalArgumentException(name + " is not a canonical id");
        }
        return id;
    }

    private static long seconds(JsonNode node, String name) {
        JsonNode value = node.get(name);
        if (value == null || !value.canConvertToLong() || !value.isIntegralNumber() || value.asLong() < 0) {
            throw new IllegalArgumentException(name + " is not a time");
        }
        return value.asLong();
    }
}
