package dev.cloudwarden.activity.internal;

import dev.cloudwarden.activity.ActivityKeys;
import dev.cloudwarden.audit.PublishedKeys;
import dev.cloudwarden.tenancy.TenantContext;
import io.swagger.v3.oas.annotations.Operation;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The activity history under /api/v1 (who may read it: the route table), and the published digest keys. */
@RestController
@Tag(name = "Activity history", description = "The tenant's tamper-evident history: pages to follow, an export to verify offline")
class ActivityApiController {

    static final MediaType NDJSON = MediaType.parseMediaType("application/x-ndjson");

    private final ActivityReader reader;
    private final ActivityKeys keys;
    private final TenantContext tenants;

    ActivityApiController(ActivityReader reader, ActivityKeys keys, TenantContext tenants) {
        this.reader = reader;
        this.keys = keys;
        this.tenants = tenants;
    }

    @GetMapping(path = "/api/v1/activity", produces = "application/json")
    @Operation(summary = "Events in seq order; follow with after=<cursor>",
            description = "Filters: after or before (a seq), limit (1-1000, default 100), actor (a user id), action, targetType, target, "
                    + "from and to (ISO-8601 times). Answers {events, cursor}: pass cursor as after to get only newer events, so a poller "
                    + "never misses or repeats one.")
    ActivityReader.Page page(@RequestParam Map<String, String> params) {
        return reader.page(ActivityReader.filter(params));
    }

    @GetMapping(path = "/api/v1/activity/export")
    @Operation(summary = "The whole history as NDJSON: every event, then the signed digests, the last covering the last event",
            description = "Verify it offline with cloudwarden-audit-verify.jar and /.well-known/cloudwarden-audit-keys.json.")
    void export(HttpServletResponse response) throws IOException {
        download(reader, tenants.require(), response);
    }

    /**
     * The export as a download (the API's and the console's): written on the request thread, straight
     * to the response, in constant memory; the request's tenant scope and principal stay as they are
     * (an async body would be dispatched, and authorised, again).
     */
    static void download(ActivityReader reader, UUID tenant, HttpServletResponse response) throws IOException {
        response.setContentType(NDJSON.toString());
        response.setHeader(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"activity-" + tenant + ".ndjson\"");
        reader.export(response.getOutputStream());
    }

    @GetMapping(path = "/.well-known/cloudwarden-audit-keys.json", produces = "application/json")
    @Operation(summary = "Every digest-signing public key, current and retired, with its validity")
    ResponseEntity<PublishedKeys> auditKeys() {
        return ResponseEntity.ok().cacheControl(CacheControl.maxAge(java.time.Duration.ofMinutes(5))).body(keys.publishedKeys());
    }
}
