package dev.cloudwarden.cloud.internal;

import dev.cloudwarden.common.ApiProblem;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * An account's inventory, read in pages: filters {@code kind}, {@code region}, {@code state},
 * {@code tag} ({@code key} or {@code key=value}), {@code limit} (1-500, default 100) and an opaque
 * {@code cursor} from the previous page. Order: kind, region, resource id.
 */
@Service
class Inventory {

    static final Set<String> PARAMETERS = Set.of("kind", "region", "state", "tag", "limit", "cursor");
    private static final Set<String> KINDS = Set.of("instance", "volume", "snapshot");
    private static final Pattern STATE = Pattern.compile("[a-z-]{1,40}");
    private static final Pattern RESOURCE_ID = Pattern.compile("(i|vol|snap)-[0-9a-f]{8,17}");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() { };

    record Resource(String kind, String id, String region, String type, String state, Map<String, Object> tags, Instant createdAt,
                    Map<String, Object> details, Instant syncedAt) {
    }

    record Page(List<Resource> resources, String cursor) {
    }

    private record Position(String kind, String region, String id) {
    }

    private final JdbcClient jdbc;
    private final CloudAccountRows rows;
    private final TransactionTemplate tx;

    Inventory(JdbcClient jdbc, CloudAccountRows rows, TransactionTemplate tx) {
        this.jdbc = jdbc;
        this.rows = rows;
        this.tx = tx;
    }

    static final String USAGE = "kind, region, state, tag, limit or cursor";

    /** A page of the account's inventory; {@code params} are known ones ({@link #PARAMETERS}), checked here. */
    Page page(UUID account, Map<String, String> params) {
        StringBuilder sql = new StringBuilder("""
                select kind, resource_id, region, type, state, tags::text as tags, created_at, details::text as details, synced_at
                from cloud_resources where account_id = :account""");
        Map<String, Object> args = new java.util.HashMap<>();
        args.put("account", account);
        String kind = params.get("kind");
        if (kind != null) {
            if (!KINDS.contains(kind)) {
                throw ApiProblem.invalid("kind", "must be instance, volume or snapshot");
            }
            sql.append(" and kind = :kind");
            args.put("kind", kind);
        }
        String region = params.get("region");
        if (region != null) {
            if (!Regions.looksLikeRegion(region)) {
                throw ApiProblem.invalid("region", "must be an AWS region name such as us-east-1");
            }
            sql.append(" and region = :region");
            args.put("region", region);
        }
        String state = params.get("state");
        if (state != null) {
            if (!STATE.matcher(state).matches()) {
                throw ApiProblem.invalid("state", "must be a resource state such as running or stopped");
            }
            sql.append(" and state = :state");
            args.put("state", state);
        }
        String tag = params.get("tag");
        if (tag != null) {
            int eq = tag.indexOf('=');
            String key = eq < 0 ? tag : tag.substring(0, eq);
            if (key.isEmpty() || key.length() > 128 || (eq >= 0 && tag.length() - eq - 1 > 256)) {
                throw ApiProblem.invalid("tag", "must be key or key=value (key 1-128 characters, value up to 256)");
            }
            if (eq < 0) {
                sql.append(" and jsonb_exists(tags, :tagKey)");
                args.put("tagKey", key);
            } else {
                sql.append(" and tags @> cast(:tagPair as jsonb)");
                args.put("tagPair", JSON.writeValueAsString(Map.of(key, tag.substring(eq + 1))));
            }
        }
        int limit = limit(params.get("limit"));
        String cursor = params.get("cursor");
        if (cursor != null) {
            Position after = decode(cursor);
            sql.append(" and (kind, region, resource_id) > (:afterKind, :afterRegion, :afterId)");
            args.put("afterKind", after.kind());
            args.put("afterRegion", after.region());
            args.put("afterId", after.id());
        }
        sql.append(" order by kind, region, resource_id limit :limit");
        args.put("limit", limit + 1);
        return tx.execute(s -> {
            rows.find(account).orElseThrow(ApiProblem::notFound);
            List<Resource> found = new ArrayList<>(jdbc.sql(sql.toString()).params(args).query(Inventory::resource).list());
            String next = null;
            if (found.size() > limit) {
                found.remove(limit);
                Resource last = found.get(limit - 1);
                next = encode(new Position(last.kind(), last.region(), last.id()));
            }
            return new Page(found, next);
        });
    }

    private static int limit(String value) {
        if (value == null) {
            return 100;
        }
        try {
            int limit = Integer.parseInt(value);
            if (limit >= 1 && limit <= 500) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiProblem.invalid("limit", "must be a whole number from 1 to 500");
    }

    private static String encode(Position p) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((p.kind() + "/" + p.region() + "/" + p.id()).getBytes(StandardCharsets.UTF_8));
    }

    private static Position decode(String cursor) {
        try {
            String[] parts = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split("/", -1);
            if (parts.length == 3 && KINDS.contains(parts[0]) && Regions.looksLikeRegion(parts[1]) && RESOURCE_ID.matcher(parts[2]).matches()) {
                return new Position(parts[0], parts[1], parts[2]);
            }
        } catch (IllegalArgumentException e) {
            // answered below
        }
        throw ApiProblem.invalid("cursor", "must be a cursor from a previous page");
    }

    private static Resource resource(ResultSet rs, int row) throws SQLException {
        return new Resource(rs.getString("kind"), rs.getString("resource_id"), rs.getString("region"), rs.getString("type"),
                rs.getString("state"), JSON.readValue(rs.getString("tags"), OBJECT), CloudAccountRows.instant(rs, "created_at"),
                JSON.readValue(rs.getString("details"), OBJECT), CloudAccountRows.instant(rs, "synced_at"));
    }
}
