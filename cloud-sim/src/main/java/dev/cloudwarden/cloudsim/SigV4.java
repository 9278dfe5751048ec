package dev.cloudwarden.cloudsim;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Server-side AWS Signature Version 4, as AWS documents it: the canonical request, the string to
 * sign over its SHA-256, the signing key derived from the secret, date, region and service, and a
 * constant-time comparison. Requests more than 15 minutes from the server's clock are refused, as
 * AWS refuses them.
 */
final class SigV4 {

    /** A request as the signature covers it. Header names in lowercase. */
    record Request(String method, String path, String rawQuery, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }
    }

    /** Who signed, once the signature checked out. */
    record Signed(String accessKeyId, String region, String service) {
    }

    /** A refusal with AWS's error code for it. */
    static final class Refused extends Exception {
        final String code;

        Refused(String code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    private static final Pattern AUTHORIZATION = Pattern.compile(
            "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})");
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final Duration SKEW = Duration.ofMinutes(15);

    private SigV4() {
    }

    /**
     * Checks the request's signature with the secret {@code secrets} gives for its access key id
     * (empty: unknown key). Throws {@link Refused} with {@code InvalidClientTokenId},
     * {@code SignatureDoesNotMatch}, {@code IncompleteSignature} or {@code RequestExpired}.
     */
    static Signed verify(Request request, Function<String, Optional<String>> secrets, Instant now) throws Refused {
        String authorization = request.header("authorization");
        String amzDate = request.header("x-amz-date");
        Matcher m = authorization == null ? null : AUTHORIZATION.matcher(authorization.strip());
        if (m == null || !m.matches() || amzDate == null) {
            throw new Refused("IncompleteSignature", "The request signature does not conform to AWS standards.");
        }
        Instant signedAt;
        try {
            signedAt = Instant.from(AMZ_DATE.parse(amzDate));
        } catch (DateTimeParseException e) {
            throw new Refused("IncompleteSignature", "X-Amz-Date is not a valid date.");
        }
        if (Duration.between(signedAt, now).abs().compareTo(SKEW) > 0 || !amzDate.startsWith(m.group(2))) {
            throw new Refused("RequestExpired", "Request has expired.");
        }
        String accessKeyId = m.group(1);
        String secret = secrets.apply(accessKeyId)
                .orElseThrow(() -> new Refused("InvalidClientTokenId", "The security token included in the request is invalid."));
        List<String> signedHeaders = List.of(m.group(5).split(";"));
        if (!signedHeaders.contains("host")) {
            throw new Refused("IncompleteSignature", "The host header must be signed.");
        }
        StringBuilder canonicalHeaders = new StringBuilder();
        for (String name : signedHeaders) {
            List<String> values = request.headers().get(name);
            if (values == null) {
                throw new Refused("IncompleteSignature", "A signed header is missing.");
            }
            List<String> trimmed = new ArrayList<>();
            for (String v : values) {
                trimmed.add(v.strip().replaceAll(" +", " "));
            }
            canonicalHeaders.append(name).append(':').append(String.join(",", trimmed)).append('\n');
        }
        String payloadHash = Optional.ofNullable(request.header("x-amz-content-sha256")).orElse(hex(sha256(request.body())));
        String canonicalRequest = request.method() + "\n" + canonicalPath(request.path()) + "\n" + canonicalQuery(request.rawQuery()) + "\n"
                + canonicalHeaders + "\n" + m.group(5) + "\n" + payloadHash;
        String scope = m.group(2) + "/" + m.group(3) + "/" + m.group(4) + "/aws4_request";
        String stringToSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex(sha256(canonicalRequest.getBytes(StandardCharsets.UTF_8)));
        byte[] key = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), m.group(2));
        key = hmac(key, m.group(3));
        key = hmac(key, m.group(4));
        key = hmac(key, "aws4_request");
        byte[] expected = hmac(key, stringToSign);
        if (!MessageDigest.isEqual(expected, HexFormat.of().parseHex(m.group(6)))) {
            throw new Refused("SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.");
        }
        return new Signed(accessKeyId, m.group(3), m.group(4));
    }

    /** Each path segment URI-encoded once, as every service but S3 signs it. */
    private static String canonicalPath(String path) {
        if (path == null || path.isEmpty()) {
            return "/";
        }
        List<String> segments = new ArrayList<>();
        for (String segment : path.split("/", -1)) {
            segments.add(encode(URLDecoder.decode(segment, StandardCharsets.UTF_8)));
        }
        return String.join("/", segments);
    }

    /** Parameters sorted by encoded name, then value; each encoded per RFC 3986. */
    private static String canonicalQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        TreeMap<String, List<String>> sorted = new TreeMap<>();
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String name = encode(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8));
            String value = eq < 0 ? "" : encode(URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            sorted.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        StringBuilder out = new StringBuilder();
        sorted.forEach((name, values) -> values.stream().sorted().forEach(v -> {
            if (!out.isEmpty()) {
                out.append('&');
            }
            out.append(name).append('=').append(v);
        }));
        return out.toString();
    }

    static String encode(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
