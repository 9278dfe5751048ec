package dev.cloudwarden.operator.internal;

import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.activity.Target;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.crypto.FieldCrypto;
import dev.cloudwarden.crypto.PlatformKeys;
import dev.cloudwarden.crypto.TenantKeys;
import dev.cloudwarden.tenancy.TenantContext;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Vulnerability reports (promise P18): anyone submits one, operators list, read and triage them. What
 * the reporter wrote (title, description, contact) is encrypted with the platform's keys, bound to its
 * row and column, before it reaches the database; it is in no event, log line or exception. Each
 * submission and each triage is recorded in the platform's history, in the transaction of its change.
 */
@Service
public class SecurityReports {

    static final int MAX_TITLE = 200;
    static final int MAX_DESCRIPTION = 20_000;
    static final int MAX_CONTACT = 254;
    /** The operators' list is short by nature; this bounds a page anyway. */
    static final int MAX_LISTED = 1000;

    private static final FieldCrypto.Field TITLE = new FieldCrypto.Field("security_reports", "title_ciphertext");
    private static final FieldCrypto.Field DESCRIPTION = new FieldCrypto.Field("security_reports", "description_ciphertext");
    private static final FieldCrypto.Field CONTACT = new FieldCrypto.Field("security_reports", "contact_ciphertext");
    /** Crockford's base32: no I, L, O or U, so a reference read aloud or retyped is not misread. */
    private static final char[] CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    /** Bidirectional overrides and isolates: they can make text read differently from what it is ("Trojan Source"). */
    private static final Set<Integer> BIDI_CONTROLS = Set.of(0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069);

    /** Where a report is in its triage. */
    public enum Status {
        NEW, TRIAGED, FIXED, NOT_APPLICABLE;

        boolean closed() {
            return this == FIXED || this == NOT_APPLICABLE;
        }

        /** NEW -> TRIAGED; NEW or TRIAGED -> FIXED or NOT_APPLICABLE. A closed report stays closed. */
        boolean canBecome(Status next) {
            return switch (this) {
                case NEW -> next != NEW;
                case TRIAGED -> next.closed();
                case FIXED, NOT_APPLICABLE -> false;
            };
        }
    }

    /** What the reporter is given: the reference to quote in any later message. */
    public record Receipt(UUID id, String reference) {
    }

    /** A report in the operators' list: no text of it, so listing decrypts nothing. */
    public record Summary(UUID id, String reference, Status status, Instant receivedAt, Instant triagedAt, Instant closedAt,
                          UUID triagedBy) {
    }

    /** A report, decrypted, for the operators' console. Its text is left out of {@link #toString()}, so a log line cannot carry it. */
    public record Report(UUID id, String reference, Status status, String title, String description, String contact,
                         Instant receivedAt, Instant triagedAt, Instant closedAt, UUID triagedBy) {
        @Override
        public String toString() {
            return "Report[id=" + id + ", reference=" + reference + ", status=" + status + ", text=REDACTED]";
        }
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final TenantContext tenants;
    private final PlatformKeys platformKeys;
    private final FieldCrypto crypto;
    private final ActivityLog activity;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    SecurityReports(JdbcClient jdbc, TransactionTemplate tx, TenantContext tenants, PlatformKeys platformKeys, FieldCrypto crypto,
                    ActivityLog activity, Clock clock) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.tenants = tenants;
        this.platformKeys = platformKeys;
        this.crypto = crypto;
        this.activity = activity;
        this.clock = clock;
    }

    /** Validates, encrypts and stores a report; bad input stores nothing and names its field. */
    public Receipt submit(String title, String description, String contact) {
        String cleanTitle = required("title", title, MAX_TITLE, false);
        String cleanDescription = required("description", description, MAX_DESCRIPTION, true);
        String cleanContact = optional("contact", contact, MAX_CONTACT);

        UUID id = UUID.randomUUID();
        TenantKeys keys = platformKeys.keys();
        byte[] titleCiphertext = encrypt(keys, TITLE, id, cleanTitle);
        byte[] descriptionCiphertext = encrypt(keys, DESCRIPTION, id, cleanDescription);
        byte[] contactCiphertext = cleanContact == null ? null : encrypt(keys, CONTACT, id, cleanContact);
        Instant now = clock.instant();
        return inPlatformScope(() -> {
            // 50 random bits: a clash is all but impossible, and would only mean drawing again
            for (int attempt = 0; attempt < 3; attempt++) {
                String reference = newReference();
                int inserted = jdbc.sql("""
                        insert into security_reports (id, reference, title_ciphertext, description_ciphertext, contact_ciphertext, received_at)
                        values (?, ?, ?, ?, ?, ?) on conflict (reference) do nothing""")
                        .params(id, reference, titleCiphertext, descriptionCiphertext, contactCiphertext, now.atOffset(ZoneOffset.UTC)).update();
                if (inserted == 1) {
                    activity.record(Action.SECURITY_REPORT_RECEIVED, target(id), Map.of("reference", reference));
                    return new Receipt(id, reference);
                }
            }
            throw new IllegalStateException("no free security report reference after 3 draws");
        });
    }

    /** Every report (newest first), or those with one status; ids, references, statuses and dates only. */
    public List<Summary> list(String statusFilterOrNull) {
        Status filter = statusFilterOrNull == null || statusFilterOrNull.isBlank() ? null : status(statusFilterOrNull);
        return inPlatformScope(() -> jdbc.sql("""
                        select id, reference, status, received_at, triaged_at, closed_at, triaged_by from security_reports
                        where ?::text is null or status = ?::text
                        order by received_at desc, id limit ?""")
                .params(name(filter), name(filter), MAX_LISTED)
                .query(SecurityReports::summary).list());
    }

    /**
     * How many reports the operators' console lists: those whose reference contains {@code referencePart} (any case;
     * empty: any) with {@code status} (null: any). Only the reference: the title is encrypted, and a list decrypts nothing.
     */
    public long count(String referencePart, Status status) {
        return inPlatformScope(() -> jdbc.sql("""
                        select count(*) from security_reports
                        where (?::text = '' or strpos(reference, upper(?::text)) > 0) and (?::text is null or status = ?::text)""")
                .params(referencePart, referencePart, name(status), name(status)).query(Long.class).single());
    }

    /** One page of those reports, newest first; ids, references, statuses and dates only. */
    public List<Summary> page(String referencePart, Status status, int limit, int offset) {
        return inPlatformScope(() -> jdbc.sql("""
                        select id, reference, status, received_at, triaged_at, closed_at, triaged_by from security_reports
                        where (?::text = '' or strpos(reference, upper(?::text)) > 0) and (?::text is null or status = ?::text)
                        order by received_at desc, id limit ? offset ?""")
                .params(referencePart, referencePart, name(status), name(status), Math.max(1, Math.min(limit, MAX_LISTED)), Math.max(0, offset))
                .query(SecurityReports::summary).list());
    }

    private static String name(Status status) {
        return status == null ? null : status.name();
    }

    private static Summary summary(ResultSet rs, int n) throws SQLException {
        return new Summary(rs.getObject("id", UUID.class), rs.getString("reference"), Status.valueOf(rs.getString("status")),
                instant(rs, "received_at"), instant(rs, "triaged_at"), instant(rs, "closed_at"), rs.getObject("triaged_by", UUID.class));
    }

    /** One report, decrypted; an unknown id is 404. Each read is recorded in the platform's history, with who read it. */
    public Report read(UUID id) {
        TenantKeys keys = platformKeys.keys();
        return inPlatformScope(() -> {
            Report report = decrypted(keys, id);
            activity.record(Action.SECURITY_REPORT_READ, target(id), Map.of("reference", report.reference()));
            return report;
        });
    }

    private Report decrypted(TenantKeys keys, UUID id) {
        return jdbc.sql("""
                        select id, reference, status, title_ciphertext, description_ciphertext, contact_ciphertext,
                               received_at, triaged_at, closed_at, triaged_by
                        from security_reports where id = ?""")
                .param(id)
                .query((rs, n) -> {
                    byte[] contact = rs.getBytes("contact_ciphertext");
                    return new Report(id, rs.getString("reference"), Status.valueOf(rs.getString("status")),
                            decrypt(keys, TITLE, id, rs.getBytes("title_ciphertext")),
                            decrypt(keys, DESCRIPTION, id, rs.getBytes("description_ciphertext")),
                            contact == null ? null : decrypt(keys, CONTACT, id, contact),
                            instant(rs, "received_at"), instant(rs, "triaged_at"), instant(rs, "closed_at"), rs.getObject("triaged_by", UUID.class));
                })
                .optional()
                .orElseThrow(ApiProblem::notFound);
    }

    /**
     * Moves a report on: NEW to TRIAGED, NEW or TRIAGED to FIXED or NOT_APPLICABLE; anything else is a
     * conflict. The first operator to move it is kept as the one who triaged it.
     */
    public void triage(UUID id, Status next, UUID operatorId) {
        if (next == null) {
            throw ApiProblem.invalid("status", "is required; use TRIAGED, FIXED or NOT_APPLICABLE");
        }
        Objects.requireNonNull(operatorId, "operatorId");
        Instant now = clock.instant();
        inPlatformScope(() -> {
            // the row is locked, so two operators moving one report at once are judged one after the other
            record Current(String reference, Status status) {
            }
            Current current = jdbc.sql("select reference, status from security_reports where id = ? for update").param(id)
                    .query((rs, n) -> new Current(rs.getString(1), Status.valueOf(rs.getString(2)))).optional()
                    .orElseThrow(ApiProblem::notFound);
            if (!current.status().canBecome(next)) {
                throw ApiProblem.conflict("invalid_transition", "A report that is " + current.status() + " cannot become " + next + ".");
            }
            OffsetDateTime at = now.atOffset(ZoneOffset.UTC);
            jdbc.sql("""
                    update security_reports set status = ?, triaged_at = coalesce(triaged_at, ?), triaged_by = coalesce(triaged_by, ?),
                           closed_at = ?
                    where id = ?""")
                    .params(next.name(), at, operatorId, next.closed() ? at : null, id).update();
            activity.record(Action.SECURITY_REPORT_TRIAGED, target(id), Map.of("reference", current.reference(), "status", next.name()));
            return null;
        });
    }

    /**
     * Work on the global table in the platform's scope, in one transaction with its event (which then
     * joins it): out of any tenant scope the caller has, since a signed-in user may send a report too.
     */
    private <T> T inPlatformScope(Supplier<T> work) {
        return tenants.detached(() -> tenants.callAs(ActivityLog.PLATFORM, () -> tx.execute(s -> work.get())));
    }

    private String newReference() {
        char[] chars = new char[10];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = CROCKFORD[random.nextInt(CROCKFORD.length)];
        }
        return "CWSR-" + new String(chars);
    }

    private static Target target(UUID id) {
        return new Target("security_report", id.toString());
    }

    private byte[] encrypt(TenantKeys keys, FieldCrypto.Field field, UUID id, String text) {
        return crypto.encrypt(keys, field, id, text.getBytes(StandardCharsets.UTF_8));
    }

    private String decrypt(TenantKeys keys, FieldCrypto.Field field, UUID id, byte[] ciphertext) {
        return new String(crypto.decrypt(keys, field, id, ciphertext), StandardCharsets.UTF_8);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    static Status status(String value) {
        return Arrays.stream(Status.values()).filter(s -> s.name().equals(value)).findFirst()
                .orElseThrow(() -> ApiProblem.invalid("status", "must be one of "
                        + Arrays.stream(Status.values()).map(Status::name).collect(Collectors.joining(", "))));
    }

    // --- validation: lengths in UTF-16 units (Java chars), so the longest valid report always fits the
    // request body limit as UTF-8 JSON (at most 3 bytes a unit: 20,000 units are at most 60,000 bytes)

    private static String required(String field, String value, int max, boolean multiline) {
        // a browser sends a textarea's line breaks as CRLF but counts them as one character against maxlength
        String text = value == null ? "" : multiline ? value.replace("\r\n", "\n").strip() : value.strip();
        if (text.isEmpty()) {
            throw ApiProblem.invalid(field, "is required.");
        }
        return checked(field, text, max, multiline);
    }

    private static String optional(String field, String value, int max) {
        String text = value == null ? "" : value.strip();
        return text.isEmpty() ? null : checked(field, text, max, false);
    }

    private static String checked(String field, String text, int max, boolean multiline) {
        if (text.length() > max) {
            throw ApiProblem.invalid(field, "must be at most " + String.format(Locale.ROOT, "%,d", max) + " characters.");
        }
        if (!printable(text, multiline)) {
            throw ApiProblem.invalid(field, multiline
                    ? "must be printable text: no control characters other than line breaks and tabs."
                    : "must be printable text on one line: no line breaks or control characters.");
        }
        return text;
    }

    private static boolean printable(String text, boolean multiline) {
        return text.codePoints().allMatch(c -> {
            if (c == '\n' || c == '\r' || c == '\t') {
                return multiline;
            }
            int type = Character.getType(c);
            // a lone surrogate is no character at all (a pair arrives here as one code point)
            return type != Character.CONTROL && type != Character.SURROGATE && !BIDI_CONTROLS.contains(c);
        });
    }
}
