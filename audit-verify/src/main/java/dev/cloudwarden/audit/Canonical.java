package dev.cloudwarden.audit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * The canonical encodings the activity chain hashes and the digests sign (docs/activity.md,
 * "Canonical encoding"): a fixed sequence of fields, each written as its UTF-8 length (4 bytes,
 * big-endian) followed by its UTF-8 bytes. No JSON is hashed, so there is no whitespace, key-order
 * or escaping question for a third party to get wrong; absent values are the empty string.
 */
public final class Canonical {

    public static final String EVENT_TAG = "cloudwarden.activity.v1";
    public static final String DIGEST_TAG = "cloudwarden.digest.v1";
    public static final int HASH_BYTES = 32;

    /** Times are UTC with exactly six fraction digits (PostgreSQL keeps microseconds). */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    private Canonical() {
    }

    public static String time(Instant instant) {
        return TIME.format(instant.truncatedTo(ChronoUnit.MICROS));
    }

    /** The bytes an event's hash covers (its {@code prevHash} is appended by {@link #eventHash}). */
    public static byte[] event(Event e) {
        Writer w = new Writer();
        w.field(EVENT_TAG).field(e.tenantId()).field(Long.toString(e.seq())).field(e.occurredAt())
                .field(e.action()).field(e.actorType()).field(e.actorId()).field(e.targetType()).field(e.targetId())
                .field(e.sourceIp()).field(e.userAgent());
        Map<String, String> details = new TreeMap<>(e.details()); // keys in String order (they are ASCII)
        w.field(Integer.toString(details.size()));
        details.forEach((k, v) -> w.field(k).field(v));
        return w.bytes();
    }

    /** {@code SHA-256(canonical event ‖ prevHash)}; the first event of a chain links to 32 zero bytes. */
    public static byte[] eventHash(Event e) {
        MessageDigest sha = sha256();
        sha.update(event(e));
        sha.update(HexFormat.of().parseHex(e.prevHash()));
        return sha.digest();
    }

    /** The bytes a digest's Ed25519 signature covers. */
    public static byte[] digest(Digest d) {
        return new Writer().field(DIGEST_TAG).field(d.tenantId()).field(Long.toString(d.firstSeq())).field(Long.toString(d.lastSeq()))
                .field(d.lastHash()).field(d.signedAt()).field(d.previousSignature()).field(d.keyId()).bytes();
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

        Writer field(String value) {
            byte[] b = (value == null ? "" : value).getBytes(StandardCharsets.UTF_8);
            out.write(b.length >>> 24);
            out.write(b.length >>> 16);
            out.write(b.length >>> 8);
            out.write(b.length);
            out.writeBytes(b);
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
