package dev.cloudwarden.activity.internal;

import dev.cloudwarden.activity.Action;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.FormError;
import dev.cloudwarden.tenancy.TenantContext;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The console's activity page (who may open it: the route table): the tenant's events newest first
 * with the API's filters, the last signed digest, "Verify the chain" (the offline verifier run on a
 * fresh export) and the export download.
 *
 * <p>Paging: the newest page has no cursor; "Older" asks for {@code before=<oldest seq shown>},
 * "Newer" for {@code after=<newest seq shown>} (those come back oldest first and are turned round).
 */
@Controller
class ActivityConsoleController {

    static final int PAGE_SIZE = 50;
    /** What the page's form and links send; anything else in the address is ignored. */
    private static final List<String> FILTERS = List.of("action", "actor", "from", "to");
    private static final List<String> CURSORS = List.of("before", "after");
    /** The actions a tenant's history can hold (platform actions go to the platform's own log). */
    private static final List<String> ACTIONS = Arrays.stream(Action.values())
            .filter(a -> a.log() == Action.Log.TENANT).map(Action::id).toList();
    private static final DateTimeFormatter READABLE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);
    /** In the table, whose heading says UTC. */
    private static final DateTimeFormatter IN_TABLE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
    private static final Pattern MINUTES = Pattern.compile("\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}");
    private static final Pattern SECONDS = Pattern.compile("\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?");
    private static final int HMAC_SHOWN = 12;

    /** One table row, ready to show. */
    record Row(long seq, String occurredAt, String time, String actor, String action, String target, String sourceIp, List<Detail> details) {
    }

    /** A detail as shown; {@code full} is the whole value where {@code value} is shortened. */
    record Detail(String key, String value, String full) {
    }

    record DigestView(long lastSeq, String signedAt, String time) {
    }

    private final ActivityReader reader;
    private final ChainVerification verification;
    private final TenantContext tenants;

    ActivityConsoleController(ActivityReader reader, ChainVerification verification, TenantContext tenants) {
        this.reader = reader;
        this.verification = verification;
        this.tenants = tenants;
    }

    @GetMapping("/console/activity")
    String page(@RequestParam Map<String, String> params, Model model, HttpServletResponse response) {
        UUID tenant = tenants.require();
        model.addAttribute("actions", ACTIONS);
        reader.lastDigest(tenant).ifPresent(d -> model.addAttribute("lastDigest", new DigestView(d.lastSeq(), d.signedAt(), readable(d.signedAt()))));

        Map<String, String> filters = chosen(params, FILTERS);
        Map<String, String> query = new LinkedHashMap<>(filters);
        query.replaceAll((name, value) -> name.equals("from") || name.equals("to") ? time(value) : value);
        query.putAll(chosen(params, CURSORS));
        ActivityQueries.Filter filter;
        try {
            filter = ActivityReader.filter(query);
        } catch (ApiProblem problem) {
            // our words only (ApiProblem never repeats input), and the form comes back empty: nothing is echoed
            response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
            model.addAttribute("formError", FormError.of(problem, "action", "actor", "from", "to"));
            model.addAttribute("filters", Map.of());
            model.addAttribute("filtered", true);
            model.addAttribute("rows", List.of());
            return "activity";
        }
        model.addAttribute("filters", filters);
        model.addAttribute("filtered", !filters.isEmpty() || filter.after() != null || filter.before() != null);

        boolean forward = filter.after() != null;
        // one more than shown, to know whether there is another page in that direction
        ActivityReader.Page page = reader.page(new ActivityQueries.Filter(filter.after(),
                forward ? null : filter.before() == null ? Long.MAX_VALUE : filter.before(), PAGE_SIZE + 1,
                filter.actor(), filter.action(), filter.targetType(), filter.targetId(), filter.from(), filter.to()));
        List<ActivityReader.EventView> events = new ArrayList<>(page.events());
        boolean more = events.size() > PAGE_SIZE;
        if (more) {
            events.removeLast();
        }
        if (forward) {
            events = events.reversed(); // newest first, like every page
        }
        model.addAttribute("rows", events.stream().map(ActivityConsoleController::row).toList());

        // Older: there are more in that direction, or we came from there (a "Newer" page). Newer: the same the other way.
        // The cursor is the last row shown; on an empty page, where the page started.
        Long olderBefore = !events.isEmpty() ? Long.valueOf(events.getLast().seq()) : forward ? Long.valueOf(filter.after() + 1) : null;
        Long newerAfter = !events.isEmpty() ? Long.valueOf(events.getFirst().seq())
                : filter.before() != null ? Long.valueOf(Math.max(0, filter.before() - 1)) : null;
        if ((forward || more) && olderBefore != null) {
            model.addAttribute("olderUrl", link(filters, "before", olderBefore));
        }
        if ((forward ? more : filter.before() != null) && newerAfter != null) {
            model.addAttribute("newerUrl", link(filters, "after", newerAfter));
        }
        return "activity";
    }

    /** Runs the offline verifier on a fresh export, then back to the page (a reload does not verify again). */
    @PostMapping("/console/activity/verify")
    String verify(RedirectAttributes flash) {
        ChainVerification.Outcome outcome = verification.verify(tenants.require());
        if (outcome.ok()) {
            flash.addFlashAttribute("verified", "Chain verified through #" + outcome.lastSeq() + ", last digest signed at "
                    + readable(outcome.signedAt()) + ".");
        } else {
            flash.addFlashAttribute("verifyFailed", "Verification failed: " + outcome.failure());
        }
        return "redirect:/console/activity";
    }

    /** The API's export, for the signed-in console user. */
    @GetMapping("/console/activity/export")
    void export(HttpServletResponse response) throws IOException {
        ActivityApiController.download(reader, tenants.require(), response);
    }

    private static Map<String, String> chosen(Map<String, String> params, List<String> names) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : names) {
            String value = params.get(name);
            if (value != null && !value.isBlank()) {
                out.put(name, value.strip());
            }
        }
        return out;
    }

    /** The form takes a date or a time without a zone too, as UTC; anything else goes to the filter as typed. */
    static String time(String value) {
        if (DATE.matcher(value).matches()) {
            return value + "T00:00:00Z";
        }
        if (MINUTES.matcher(value).matches()) {
            return value.replace(' ', 'T') + ":00Z";
        }
        if (SECONDS.matcher(value).matches()) {
            return value.replace(' ', 'T') + "Z";
        }
        return value;
    }

    private static String link(Map<String, String> filters, String cursor, long seq) {
        StringBuilder url = new StringBuilder("/console/activity?");
        filters.forEach((name, value) -> url.append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8)).append('&'));
        return url.append(cursor).append('=').append(seq).toString();
    }

    static Row row(ActivityReader.EventView e) {
        ActivityReader.Party actor = e.actor();
        ActivityReader.Party target = e.target();
        String targetText = target == null ? "-" : target.email() != null ? target.email()
                : target.id() == null ? target.type() : target.type() + ":" + target.id();
        List<Detail> details = new TreeMap<>(e.details()).entrySet().stream().map(d -> detail(d.getKey(), d.getValue())).toList();
        return new Row(e.seq(), e.occurredAt(), IN_TABLE.format(Instant.parse(e.occurredAt())), actorText(actor),
                e.action(), targetText, e.sourceIp() == null ? "-" : e.sourceIp(), details);
    }

    /** A user by email; Cloudwarden's staff as such, with their id (their access is this organisation's to see); else the kind. */
    private static String actorText(ActivityReader.Party actor) {
        if (actor.email() != null) {
            return actor.email();
        }
        return switch (actor.type()) {
            case "operator" -> "Cloudwarden operator " + actor.id() + " (platform access)";
            case "agent" -> "host agent " + actor.id();
            default -> actor.type();
        };
    }

    /** A keyed hash is shown by its first characters (enough to compare two events); the whole value in its title. */
    private static Detail detail(String key, String value) {
        if (value.startsWith("hmac:") && value.length() > "hmac:".length() + HMAC_SHOWN) {
            return new Detail(key, value.substring(0, "hmac:".length() + HMAC_SHOWN) + "…", value);
        }
        return new Detail(key, value, null);
    }

    private static String readable(String time) {
        return READABLE.format(Instant.parse(time));
    }
}
