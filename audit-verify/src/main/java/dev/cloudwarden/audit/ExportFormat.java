package dev.cloudwarden.audit;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One line of an export (NDJSON): {@code {"type":"event",...}} or {@code {"type":"digest",...}}.
 * The server writes with {@link #write}, the verifier reads with {@link #read}: one declaration of
 * the line format.
 */
public final class ExportFormat {

    private static final JsonMapper LINES = JsonMapper.builder(JsonFactory.builder().rootValueSeparator("\n").build()).build();

    private ExportFormat() {
    }

    /** A generator that puts each written object on a line of its own (end with {@code writeRaw('\n')}). */
    public static JsonGenerator lines(OutputStream out) {
        return LINES.createGenerator(out);
    }

    /** One event as its line, without the newline (for tools and tests that build an export line by line). */
    public static String line(Event e) {
        return toLine(g -> write(g, e));
    }

    /** One digest as its line, without the newline. */
    public static String line(Digest d) {
        return toLine(g -> write(g, d));
    }

    private static String toLine(Consumer<JsonGenerator> writing) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = LINES.createGenerator(out)) {
            writing.accept(g);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    public static void write(JsonGenerator g, Event e) {
        g.writeStartObject();
        g.writeStringProperty("type", "event");
        g.writeStringProperty("tenantId", e.tenantId());
        g.writeNumberProperty("seq", e.seq());
        g.writeStringProperty("occurredAt", e.occurredAt());
        g.writeStringProperty("action", e.action());
        g.writeName("actor");
        g.writeStartObject();
        g.writeStringProperty("type", e.actorType());
        g.writeStringProperty("id", e.actorId());
        g.writeEndObject();
        g.writeName("target");
        g.writeStartObject();
        g.writeStringProperty("type", e.targetType());
        g.writeStringProperty("id", e.targetId());
        g.writeEndObject();
        g.writeStringProperty("sourceIp", e.sourceIp());
        g.writeStringProperty("userAgent", e.userAgent());
        g.writeName("details");
        g.writeStartObject();
        for (Map.Entry<String, String> d : new java.util.TreeMap<>(e.details()).entrySet()) {
            g.writeStringProperty(d.getKey(), d.getValue());
        }
        g.writeEndObject();
        g.writeStringProperty("prevHash", e.prevHash());
        g.writeStringProperty("hash", e.hash());
        g.writeEndObject();
    }

    public static void write(JsonGenerator g, Digest d) {
        g.writeStartObject();
        g.writeStringProperty("type", "digest");
        g.writeStringProperty("tenantId", d.tenantId());
        g.writeNumberProperty("firstSeq", d.firstSeq());
        g.writeNumberProperty("lastSeq", d.lastSeq());
        g.writeStringProperty("lastHash", d.lastHash());
        g.writeStringProperty("signedAt", d.signedAt());
        g.writeStringProperty("previousSignature", d.previousSignature());
        g.writeStringProperty("keyId", d.keyId());
        g.writeStringProperty("signature", d.signature());
        g.writeEndObject();
    }

    private static final Set<String> EVENT_FIELDS = Set.of("type", "tenantId", "seq", "occurredAt", "action", "actor",
            "target", "sourceIp", "userAgent", "details", "prevHash", "hash");
    private static final Set<String> PARTY_FIELDS = Set.of("type", "id");
    private static final Set<String> DIGEST_FIELDS = Set.of("type", "tenantId", "firstSeq", "lastSeq", "lastHash",
            "signedAt", "previousSignature", "keyId", "signature");

    /**
     * An {@link Event} or a {@link Digest}; IllegalArgumentException naming what is wrong with the line.
     * Strict: a field the format does not have, or an empty string where a value may be absent (absent
     * is null), is refused, so nothing can ride along in a line without being covered by its hash.
     */
    public static Object read(JsonNode line) {
        if (line == null || !line.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        String type = text(line, "type", true);
        return switch (type) {
            case "event" -> {
                only(line, EVENT_FIELDS, "");
                JsonNode actor = object(line, "actor");
                JsonNode target = object(line, "target");
                only(actor, PARTY_FIELDS, "actor.");
                only(target, PARTY_FIELDS, "target.");
                Map<String, String> details = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> d : object(line, "details").properties()) {
                    if (!d.getValue().isString()) {
                        throw new IllegalArgumentException("details." + d.getKey() + " is not a string");
                    }
                    details.put(d.getKey(), d.getValue().asString());
                }
                yield new Event(text(line, "tenantId", true), number(line, "seq"), text(line, "occurredAt", true),
                        text(line, "action", true), text(actor, "type", true), text(actor, "id", false),
                        text(target, "type", false), text(target, "id", false), text(line, "sourceIp", false),
                        text(line, "userAgent", false), details, text(line, "prevHash", true), text(line, "hash", true));
            }
            case "digest" -> {
                only(line, DIGEST_FIELDS, "");
                yield new Digest(text(line, "tenantId", true), number(line, "firstSeq"), number(line, "lastSeq"),
                    text(line, "lastHash", true), text(line, "signedAt", true), text(line, "previousSignature", false),
                    text(line, "keyId", true), text(line, "signature", true));
            }
            default -> throw new IllegalArgumentException("unknown type \"" + type + "\"");
        };
    }

    private static void only(JsonNode node, Set<String> allowed, String prefix) {
        for (Map.Entry<String, JsonNode> property : node.properties()) {
            if (!allowed.contains(property.getKey())) {
                throw new IllegalArgumentException("unexpected field " + prefix + property.getKey());
            }
        }
    }

    private static JsonNode object(JsonNode node, String name) {
        JsonNode value = node.get(name);
        if (value == null || !value.isObject()) {
            throw new IllegalArgumentException(name + " is missing or not an object");
        }
        return value;
    }

    private static String text(JsonNode node, String name, boolean required) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            if (required) {
                throw new IllegalArgumentException(name + " is missing");
            }
            return null;
        }
        if (!value.isString() || value.asString().isEmpty() && !name.equals("previousSignature")) {
            throw new IllegalArgumentException(name + " is not a non-empty string");
        }
        return value.asString();
    }

    private static long number(JsonNode node, String name) {
        JsonNode value = node.get(name);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new IllegalArgumentException(name + " is missing or not a whole number");
        }
        return value.asLong();
    }
}
