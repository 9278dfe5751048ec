package dev.cloudwarden.activity.internal;

import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActorDirectory;
import dev.cloudwarden.audit.Digest;
import dev.cloudwarden.audit.Event;
import dev.cloudwarden.audit.ExportFormat;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.Transactions;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.JsonGenerator;

/**
 * What the API and the console read: filtered pages with actors and targets resolved to their
 * current emails (the chain itself holds ids only), and the export, streamed.
 */
@Service
class ActivityReader {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;
    static final int EXPORT_PAGE = 2000;
    private static final Set<String> PARAMETERS = Set.of("after", "before", "limit", "actor", "action", "targetType", "target", "from", "to");

    /** Someone or something in an event, with the email of a user that still exists. */
    record Party(String type, String id, String email) {
    }

    record EventView(long seq, String occurredAt, String action, Party actor, Party target, String sourceIp, String userAgent,
                     Map<String, String> details, String prevHash, String hash) {
    }

    /** A page; {@code cursor} is the seq to pass as {@code after} (or {@code before}) for the next one. */
    record Page(List<EventView> events, long cursor) {
    }

    private final ActivityQueries queries;
    private final Digests digests;
    private final ActorDirectory directory;
    private final TransactionTemplate tx;
    private final TransactionTemplate readOnly;

    ActivityReader(ActivityQueries queries, Digests digests, ActorDirectory directory, TransactionTemplate tx) {
        this.queries = queries;
        this.digests = digests;
        this.directory = directory;
        this.tx = tx;
        this.readOnly = Transactions.readOnly(tx);
    }

    /** Parses the query parameters of a page; a 400 naming the first bad one. */
    static ActivityQueries.Filter filter(Map<String, String> params) {
        for (String name : params.keySet()) {
            if (!PARAMETERS.contains(name)) {
                throw ApiProblem.invalid("query", "unknown parameter; the filters are " + String.join(", ", new java.util.TreeSet<>(PARAMETERS)));
            }
        }
        Long after = seq(params, "after");
        Long before = seq(params, "before");
        if (after != null && before != null) {
            throw ApiProblem.invalid("before", "use after or before, not both");
        }
        int limit = DEFAULT_LIMIT;
        if (params.containsKey("limit")) {
            Long l = seq(params, "limit");
            if (l < 1 || l > MAX_LIMIT) {
                throw ApiProblem.invalid("limit", "must be between 1 and " + MAX_LIMIT);
            }
            limit = l.intValue();
        }
        UUID actor = null;
        if (params.containsKey("actor")) {
            try {
                actor = UUID.fromString(params.get("actor"));
            } catch (IllegalArgumentException e) {
                throw ApiProblem.invalid("actor", "must be a user id");
            }
        }
        String action = params.get("action");
        if (action != null && Action.byId(action).isEmpty()) {
            throw ApiProblem.invalid("action", "is not an action of the catalogue (docs/activity.md)");
        }
        String targetType = params.get("targetType");
        if (targetType != null && !targetType.matches("[a-z][a-z_]{0,39}")) {
            throw ApiProblem.invalid("targetType", "is not a target type");
        }
        String target = params.get("target");
        if (target != null && (target.isEmpty() || target.length() > 200)) {
            throw ApiProblem.invalid("target", "must be 1-200 characters");
        }
        Instant from = time(params, "from");
        Instant to = time(params, "to");
        if (from != null && to != null && !from.isBefore(to)) {
            throw ApiProblem.invalid("to", "must be after from");
        }
        return new ActivityQueries.Filter(after, before, limit, actor, action, targetType, target, from, to);
    }

    private static Long seq(Map<String, String> params, String name) {
        String value = params.get(name);
        if (value == null) {
            return null;
        }
        try {
            long n = Long.parseLong(value);
            if (n < 0) {
                throw ApiProblem.invalid(name, "must not be negative");
            }
            return n;
        } catch (NumberFormatException e) {
            throw ApiProblem.invalid(name, "must be a whole number");
        }
    }

    private static Instant time(Map<String, String> params, String name) {
        String value = params.get(name);
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw ApiProblem.invalid(name, "must be an ISO-8601 time such as 2026-12-01T09:00:00Z");
        }
    }

    Page page(ActivityQueries.Filter filter) {
        return readOnly.execute(s -> {
            List<Event> events = queries.page(filter);
            Set<UUID> users = new HashSet<>();
            for (Event e : events) {
                userId(e.actorType(), e.actorId()).ifPresent(users::add);
                userId(e.targetType(), e.targetId()).ifPresent(users::add);
            }
            Map<UUID, String> emails = users.isEmpty() ? Map.of() : directory.emails(users);
            List<EventView> views = events.stream().map(e -> new EventView(e.seq(), e.occurredAt(), e.action(),
                    party(e.actorType(), e.actorId(), emails), e.targetType() == null ? null : party(e.targetType(), e.targetId(), emails),
                    e.sourceIp(), e.userAgent(), e.details(), e.prevHash(), e.hash())).toList();
            long cursor = events.isEmpty() ? (filter.before() != null ? filter.before() : filter.after() == null ? 0 : filter.after())
                    : events.get(events.size() - 1).seq();
            return new Page(views, cursor);
        });
    }

    private static Optional<UUID> userId(String type, String id) {
        if (!"user".equals(type) || id == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(UUID.fromString(id));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Party party(String type, String id, Map<UUID, String> emails) {
        return new Party(type, id, userId(type, id).map(emails::get).orElse(null));
    }

    /** The newest signed digest of the tenant's chain (the tenant in scope), if one has been signed yet. */
    Optional<Digest> lastDigest(UUID tenant) {
        return readOnly.execute(s -> digests.latest(tenant));
    }

    /**
     * Writes the chain in scope as NDJSON: a digest is signed first so that it covers the last event,
     * then every event up to it and every digest up to it. Read in pages of short read-only
     * transactions (the rows never change and the range is fixed, so the pages add up to one
     * consistent export): memory stays at one page, and a slow client holds no database connection.
     */
    void export(OutputStream out) {
        long upTo = tx.execute(s -> digests.digestNow());
        OutputStream buffered = new BufferedOutputStream(out, 1 << 16);
        try (JsonGenerator g = ExportFormat.lines(buffered)) {
            long after = 0;
            while (after < upTo) {
                long from = after;
                List<Event> page = readOnly.execute(s -> queries.eventsBetween(from, upTo, EXPORT_PAGE));
                if (page.isEmpty()) {
                    throw new IllegalStateException("events of the chain in scope are missing after #" + from);
                }
                page.forEach(e -> ExportFormat.write(g, e));
                after = page.get(page.size() - 1).seq();
            }
            long digestedTo = 0;
            while (digestedTo < upTo) {
                long from = digestedTo;
                List<Digest> page = readOnly.execute(s -> queries.digestsBetween(from, upTo, EXPORT_PAGE));
                if (page.isEmpty()) {
                    throw new IllegalStateException("digests of the chain in scope are missing after #" + from);
                }
                page.forEach(d -> ExportFormat.write(g, d));
                digestedTo = page.get(page.size() - 1).lastSeq();
            }
            g.writeRaw('\n');
        }
    }
}
