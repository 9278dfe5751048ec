package dev.cloudwarden.audit;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Checks an export without the server or its database: every event's hash against its content, the
 * chain links, a gap-free sequence from #1, and every digest (its signature by a published key valid
 * when it was signed, its link to the digest before it, the event hash it names). The last digest
 * must cover the last event, so nothing in a valid export is unsigned. The first break ends the check
 * and is reported with the event or digest and its line.
 *
 * <p>Two passes over the file (digests come after the events they cover), so memory does not grow
 * with the number of events; the first parses only the lines that can be digests.
 */
public final class ExportVerifier {

    /** What a check found: {@code ok}, how much it checked, or the first break. */
    public record Result(boolean ok, long events, int digests, String tenantId, String headHash, String failure) {
    }

    // a repeated field in a line is refused, not resolved to one of its values
    private static final ObjectMapper JSON = JsonMapper.builder().enable(tools.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final String ZERO_HASH = "0".repeat(Canonical.HASH_BYTES * 2);

    /**
     * What the auditor knows besides the export, both optional: whose history it must be, and a time
     * the last digest cannot be older than. An export ends with a digest signed when it was made, so
     * an export cut back to an earlier digest (which would otherwise verify) shows as too old.
     */
    public record Expect(String tenantId, Instant lastSignedNotBefore) {
        public static final Expect NOTHING = new Expect(null, null);
    }

    private final Map<String, PublishedKeys.Key> keys = new HashMap<>();
    private final Consumer<String> out;
    private final Expect expect;

    public ExportVerifier(PublishedKeys published, Consumer<String> out) {
        this(published, out, Expect.NOTHING);
    }

    public ExportVerifier(PublishedKeys published, Consumer<String> out, Expect expect) {
        for (PublishedKeys.Key k : published.keys()) {
            keys.put(k.keyId(), k);
        }
        this.out = out;
        this.expect = expect;
    }

    public static PublishedKeys readKeys(Path file) throws IOException {
        try {
            return JSON.readValue(file.toFile(), PublishedKeys.class);
        } catch (JacksonException e) {
            throw new IOException(file + " is not a Cloudwarden audit key list: " + e.getOriginalMessage());
        }
    }

    private static final class Break extends Exception {
        Break(String message) {
            super(message, null, false, false);
        }
    }

    private record Located<T>(long line, T item) {
    }

    public Result verify(Path export) throws IOException {
        List<Located<Digest>> digests = new ArrayList<>();
        String tenant = null;
        long events = 0;
        String head = null;
        String lastSignedAt = null;
        try {
            // pass 1: the digests, in file order
            long lineNo = 0;
            try (BufferedReader in = Files.newBufferedReader(export, StandardCharsets.UTF_8)) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lineNo++;
                    // only lines that can be digests are parsed here; pass 2 parses every line and checks
                    // that it met exactly these digests (one spelled with escapes would not be found here)
                    if (line.contains("digest") && parse(line, lineNo) instanceof Digest d) {
                        digests.add(new Located<>(lineNo, d));
                    }
                }
            }
            if (digests.isEmpty()) {
                throw new Break("the export holds no digest: nothing in it is signed");
            }
            tenant = digests.get(0).item().tenantId();
            Map<Long, Located<Digest>> byLastSeq = new HashMap<>();
            for (Located<Digest> d : digests) {
                byLastSeq.put(d.item().lastSeq(), d);
            }

            // pass 2: the events, each against its content, its predecessor and any digest ending at it
            lineNo = 0;
            boolean digestsStarted = false;
            int digestsSeen = 0;
            String previous = ZERO_HASH;
            try (BufferedReader in = Files.newBufferedReader(export, StandardCharsets.UTF_8)) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lineNo++;
                    if (line.isBlank()) {
                        continue;
                    }
                    Object item = parse(line, lineNo);
                    if (item instanceof Digest) {
                        if (digestsSeen >= digests.size() || digests.get(digestsSeen).line() != lineNo) {
                            throw new Break("line " + lineNo + ": a digest written so that a plain reading does not show it");
                        }
                        digestsSeen++;
                        digestsStarted = true;
                        continue;
                    }
                    Event e = (Event) item;
                    String where = "event #" + e.seq() + " (line " + lineNo + ")";
                    if (digestsStarted) {
                        throw new Break(where + " comes after the digests: events were appended to the export");
                    }
                    if (!tenant.equals(e.tenantId())) {
                        throw new Break(where + " belongs to tenant " + e.tenantId() + ", the digests to " + tenant);
                    }
                    long expected = events + 1;
                    if (e.seq() != expected) {
                        throw new Break("line " + lineNo + ": expected event #" + expected + ", found #" + e.seq()
                                + (e.seq() > expected ? " (events are missing or out of order)" : " (events are repeated or out of order)"));
                    }
                    if (!previous.equals(e.prevHash())) {
                        throw new Break(where + ": its prevHash is not the hash of event #" + (e.seq() - 1)
                                + " (the chain is broken here: an event before it was removed, replaced or reordered)");
                    }
                    String computed = HexFormat.of().formatHex(Canonical.eventHash(e));
                    if (!computed.equals(e.hash())) {
                        throw new Break(where + ": its hash does not match its content (the event was changed after it was written)");
                    }
                    Located<Digest> covering = byLastSeq.get(e.seq());
                    if (covering != null && !covering.item().lastHash().equals(e.hash())) {
                        throw new Break(describe(covering) + ": it signed a different hash for event #" + e.seq()
                                + " (events up to #" + e.seq() + " were rewritten after they were signed)");
                    }
                    previous = e.hash();
                    events++;
                }
            }
            head = previous;

            // the digests: linked, signed by a published key valid at the time, and together covering every event
            Digest before = null;
            for (Located<Digest> located : digests) {
                Digest d = located.item();
                String where = describe(located);
                if (!tenant.equals(d.tenantId())) {
                    throw new Break(where + " belongs to tenant " + d.tenantId() + ", not " + tenant);
                }
                long expectedFirst = before == null ? 1 : before.lastSeq() + 1;
                if (d.firstSeq() != expectedFirst || d.lastSeq() < d.firstSeq()) {
                    throw new Break(where + ": expected it to start at #" + expectedFirst + " (digests are missing, repeated or reordered)");
                }
                String expectedLink = before == null ? "" : before.signature();
                if (!expectedLink.equals(d.previousSignature() == null ? "" : d.previousSignature())) {
                    throw new Break(where + ": its previousSignature is not the signature of the digest before it");
                }
                if (d.lastSeq() > events) {
                    throw new Break(where + " covers up to event #" + d.lastSeq() + " but the export ends at #" + events
                            + " (events at the end were removed)");
                }
                checkSignature(d, where);
                before = d;
            }
            if (before.lastSeq() != events) {
                throw new Break("events #" + (before.lastSeq() + 1) + "..#" + events + " are covered by no digest");
            }
            if (expect.tenantId() != null && !expect.tenantId().equals(tenant)) {
                throw new Break("the export is the history of tenant " + tenant + ", not of " + expect.tenantId());
            }
            lastSignedAt = before.signedAt();
            if (expect.lastSignedNotBefore() != null && Instant.parse(lastSignedAt).isBefore(expect.lastSignedNotBefore())) {
                throw new Break("the last digest was signed at " + lastSignedAt + ", before " + expect.lastSignedNotBefore()
                        + ": events after #" + events + " may have been cut off with their digests");
            }
        } catch (Break b) {
            out.accept("FAILED: " + b.getMessage());
            return new Result(false, events, digests.size(), tenant, head, b.getMessage());
        }
        out.accept("OK: tenant " + tenant + ": events #1..#" + events + " verified (hashes, chain links, no gaps); "
                + digests.size() + " digests verified (Ed25519 signatures by published keys, links); last digest signed at "
                + lastSignedAt + "; chain head " + head);
        return new Result(true, events, digests.size(), tenant, head, null);
    }

    private static String describe(Located<Digest> d) {
        return "digest of events #" + d.item().firstSeq() + "..#" + d.item().lastSeq() + " (line " + d.line() + ")";
    }

    private static Object parse(String line, long lineNo) throws Break {
        try {
            return ExportFormat.read(JSON.readTree(line));
        } catch (JacksonException | IllegalArgumentException e) {
            String reason = e instanceof JacksonException j ? "not valid JSON (" + j.getOriginalMessage() + ")" : e.getMessage();
            throw new Break("line " + lineNo + ": " + reason);
        }
    }

    private void checkSignature(Digest d, String where) throws Break {
        PublishedKeys.Key key = keys.get(d.keyId());
        if (key == null) {
            throw new Break(where + ": signed by key \"" + d.keyId() + "\", which the key list does not publish");
        }
        if (!"Ed25519".equals(key.algorithm())) {
            throw new Break(where + ": key " + key.keyId() + " has algorithm " + key.algorithm() + ", expected Ed25519");
        }
        Instant signedAt;
        try {
            signedAt = Instant.parse(d.signedAt());
        } catch (RuntimeException e) {
            throw new Break(where + ": signedAt is not a time");
        }
        if (signedAt.isBefore(Instant.parse(key.validFrom()))
                || (key.validUntil() != null && !signedAt.isBefore(Instant.parse(key.validUntil())))) {
            throw new Break(where + ": signed at " + d.signedAt() + ", when key " + key.keyId() + " was not valid");
        }
        PublicKey publicKey;
        try {
            publicKey = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(key.publicKey())));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new Break(where + ": key " + key.keyId() + " in the key list is not an Ed25519 public key");
        }
        boolean valid;
        try {
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(publicKey);
            verifier.update(Canonical.digest(d));
            valid = verifier.verify(Base64.getDecoder().decode(d.signature()));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            valid = false; // a signature that does not even decode verifies nothing
        }
        if (!valid) {
            throw new Break(where + ": its signature does not verify with key " + key.keyId() + " (the digest was forged or changed)");
        }
    }
}
