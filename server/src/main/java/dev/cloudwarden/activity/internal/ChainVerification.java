package dev.cloudwarden.activity.internal;

import dev.cloudwarden.activity.ActivityKeys;
import dev.cloudwarden.audit.Digest;
import dev.cloudwarden.audit.ExportFormat;
import dev.cloudwarden.audit.ExportVerifier;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * "Verify the chain" in the console: a fresh export of the tenant in scope, written to a temporary
 * file (deleted afterwards), checked by the same offline verifier a customer's auditor runs, against
 * the published keys. Nothing of the server's own view of the chain is trusted.
 */
@Component
class ChainVerification {

    private static final Logger log = LoggerFactory.getLogger(ChainVerification.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * What the check found: {@code ok} with the last event verified and when the digest covering it
     * was signed; otherwise {@code failure}, the verifier's words (or why there was nothing to check).
     */
    record Outcome(boolean ok, long lastSeq, String signedAt, String failure) {
    }

    private final ActivityReader reader;
    private final ActivityKeys keys;

    ChainVerification(ActivityReader reader, ActivityKeys keys) {
        this.reader = reader;
        this.keys = keys;
    }

    Outcome verify(UUID tenant) {
        Path file = null;
        try {
            file = Files.createTempFile("cloudwarden-activity-", ".ndjson"); // owner-only on POSIX
            try (OutputStream out = Files.newOutputStream(file)) {
                reader.export(out);
            }
            ExportVerifier.Result result = new ExportVerifier(keys.publishedKeys(), line -> { }).verify(file);
            if (result.ok()) {
                return new Outcome(true, result.events(), lastDigest(file).signedAt(), null);
            }
            if (Files.size(file) <= 1) { // an export of nothing is one empty line; anything else that fails is a break
                return new Outcome(false, 0, null, "Nothing has been recorded yet, so there is nothing to verify.");
            }
            log.warn("The activity chain of tenant {} failed verification: {}", tenant, result.failure());
            return new Outcome(false, result.events(), null, result.failure());
        } catch (IOException e) {
            log.warn("Could not verify the activity chain of tenant {}: {}", tenant, e.getClass().getSimpleName());
            return new Outcome(false, 0, null, "The export could not be written for checking; try again later.");
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    log.warn("Could not delete the temporary export {}", file);
                }
            }
        }
    }

    /** The export's last line: in an export that verified, the digest covering its last event. */
    private static Digest lastDigest(Path file) throws IOException {
        try (Stream<String> lines = Files.lines(file)) {
            String last = lines.filter(line -> !line.isBlank()).reduce((a, b) -> b).orElseThrow();
            return (Digest) ExportFormat.read(JSON.readTree(last));
        }
    }
}
