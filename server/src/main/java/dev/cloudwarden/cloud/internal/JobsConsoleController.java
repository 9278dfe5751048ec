package dev.cloudwarden.cloud.internal;

import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.FormError;
import dev.cloudwarden.common.Ids;
import dev.cloudwarden.common.ListPage;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/** Console pages for jobs: the list with templates, a job with its policy, runs and results, run now, dry run, pause and resume. */
@Controller
class JobsConsoleController {

    /** The templates the console offers: a name, a type, a schedule and parameters a user then adjusts. */
    record Template(String id, String title, String name, String type, String schedule, Map<String, Object> parameters) {
    }

    static final List<Template> TEMPLATES = List.of(
            new Template("stop-dev-evenings", "Stop tagged dev instances at 19:00 on weekdays", "Stop dev at 19:00", "stop_instances",
                    "0 19 * * 1-5", Map.of("tags", Map.of("env", "dev"))),
            new Template("start-dev-mornings", "Start them again at 07:00 on weekdays", "Start dev at 07:00", "start_instances",
                    "0 7 * * 1-5", Map.of("tags", Map.of("env", "dev"))),
            new Template("daily-snapshots", "Daily snapshots of tagged volumes, kept 7 days", "Daily snapshots", "snapshot_volumes",
                    "0 2 * * *", Map.of("tags", Map.of("env", "prod"), "retain", Map.of("days", 7))),
            new Template("nightly-inventory", "Inventory sync every night", "Nightly inventory", "inventory_sync", "0 3 * * *", Map.of()));

    private final Jobs jobs;
    private final JobRuns runs;
    private final CloudAccounts accounts;
    private final Clock clock;
    private static final java.time.format.DateTimeFormatter NEXT = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm zzz",
            java.util.Locale.ENGLISH);

    JobsConsoleController(Jobs jobs, JobRuns runs, CloudAccounts accounts, Clock clock) {
        this.clock = clock;
        this.jobs = jobs;
        this.runs = runs;
        this.accounts = accounts;
    }

    /** The jobs, narrowed by a part of the name, a type and a state when chosen, a page at a time. */
    @GetMapping("/console/jobs")
    String list(@RequestParam(defaultValue = "") String q, @RequestParam(defaultValue = "") String type,
                @RequestParam(defaultValue = "") String state, @RequestParam(required = false) String page, Model model) {
        List<String> types = java.util.Arrays.stream(JobDefinition.Type.values()).map(t -> t.id).toList();
        if (!type.isEmpty() && !types.contains(type) || !List.of("", "active", "paused").contains(state) || q.length() > 100) {
            // our words only, and the form comes back empty: nothing is echoed
            model.addAttribute("filterError", "Choose the type and state from their lists, and at most 100 characters of a name.");
            return list("", "", "", null, model);
        }
        String name = q.strip().toLowerCase(java.util.Locale.ROOT);
        List<JobRows.Job> chosen = jobs.list().stream()
                .filter(j -> name.isEmpty() || j.name().toLowerCase(java.util.Locale.ROOT).contains(name))
                .filter(j -> type.isEmpty() || j.type().equals(type))
                .filter(j -> state.isEmpty() || (j.paused() ? "paused" : "active").equals(state))
                .toList();
        Map<String, String> filters = new LinkedHashMap<>();
        filters.put("q", q.strip());
        filters.put("type", type);
        filters.put("state", state);
        model.addAttribute("filters", filters);
        model.addAttribute("filtered", !name.isEmpty() || !type.isEmpty() || !state.isEmpty());
        model.addAttribute("types", types);
        model.addAttribute("jobs", ListPage.of(chosen, page, "/console/jobs", filters));
        model.addAttribute("accounts", accounts.list());
        model.addAttribute("templates", TEMPLATES);
        return "jobs";
    }

    @PostMapping("/console/jobs")
    String create(@RequestParam(defaultValue = "") String template, @RequestParam(defaultValue = "") String cloudAccountId,
                  @RequestParam(defaultValue = "") String timezone, Model model) {
        Template t = TEMPLATES.stream().filter(x -> x.id().equals(template)).findFirst().orElse(null);
        try {
            if (t == null) {
                throw ApiProblem.invalid("template", "choose one of the templates");
            }
            JobRows.Job job = jobs.create(new JobDefinition.Request(t.name(), cloudAccountId, t.type(), t.schedule(),
                    timezone.isBlank() ? "UTC" : timezone, new LinkedHashMap<>(t.parameters())));
            return "redirect:/console/jobs/" + job.id() + "?created";
        } catch (ApiProblem problem) {
            model.addAttribute("formError", FormError.of(problem, "cloudAccountId", "timezone"));
            model.addAttribute("timezone", timezone);
            return list("", "", "", null, model);
        }
    }

    static final int RUNS_PAGE = 25;

    /**
     * The job, its next slot, its runs (narrowed by status and trigger when chosen, 25 at a time, older ones after
     * {@code before}) and one run's results: the chosen one, else the latest. A bad filter is refused in our words and
     * the newest runs shown.
     */
    @GetMapping("/console/jobs/{id}")
    String job(@PathVariable String id, @RequestParam(defaultValue = "") String status, @RequestParam(defaultValue = "") String trigger,
               @RequestParam(defaultValue = "") String before, @RequestParam(defaultValue = "") String run, Model model) {
        UUID job = Ids.fromPath(id);
        JobRows.Job found = jobs.get(job);
        model.addAttribute("job", found);
        model.addAttribute("policy", CustodianYaml.render(found));
        JobSchedules.next(found, clock.instant()).ifPresent(next -> {
            model.addAttribute("next", next);
            model.addAttribute("nextLocal", NEXT.format(next.atZone(java.time.ZoneId.of(found.timezone()))));
        });
        Map<String, String> filters = new LinkedHashMap<>();
        filters.put("status", status);
        filters.put("trigger", trigger);
        filters.put("before", before);
        filters.values().removeIf(String::isEmpty);
        filters.put("limit", String.valueOf(RUNS_PAGE + 1)); // one more: whether there is an older page
        List<JobRows.Run> list;
        try {
            list = runs.list(job, filters);
        } catch (ApiProblem problem) {
            before = "";
            if ("before".equals(problem.field())) {
                // a page of runs that is gone (its run deleted with its account, say): the newest, with the same filters
                model.addAttribute("filterError", "That page of runs no longer exists: here are the newest.");
                filters.remove("before");
            } else {
                model.addAttribute("filterError", "Choose the status and who started the runs from their lists.");
                status = "";
                trigger = "";
                filters.clear();
                filters.put("limit", String.valueOf(RUNS_PAGE + 1));
            }
            list = runs.list(job, filters);
        }
        boolean older = list.size() > RUNS_PAGE;
        list = list.subList(0, Math.min(list.size(), RUNS_PAGE));
        model.addAttribute("runs", list);
        model.addAttribute("status", status);
        model.addAttribute("trigger", trigger);
        model.addAttribute("before", before);
        model.addAttribute("olderThan", older ? list.get(list.size() - 1).id() : null);
        UUID shown = !run.isEmpty() ? Ids.fromPath(run) : list.isEmpty() ? null : list.get(0).id();
        model.addAttribute("latest", shown == null ? null : runs.get(job, shown));
        return "job";
    }

    @PostMapping("/console/jobs/{id}/runs")
    String run(@PathVariable String id, @RequestParam(defaultValue = "false") boolean dryRun) {
        UUID job = Ids.fromPath(id);
        try {
            runs.request(job, dryRun);
            return "redirect:/console/jobs/" + job + "?queued";
        } catch (ApiProblem problem) {
            if (problem.status().value() == 409) {
                return "redirect:/console/jobs/" + job + "?paused";
            }
            throw problem;
        }
    }

    @PostMapping("/console/jobs/{id}/pause")
    String pause(@PathVariable String id, @RequestParam(defaultValue = "true") boolean paused) {
        UUID job = Ids.fromPath(id);
        jobs.change(job, new Jobs.Change(null, null, null, null, paused, null));
        return "redirect:/console/jobs/" + job;
    }

    @PostMapping("/console/jobs/{id}/delete")
    String delete(@PathVariable String id) {
        jobs.delete(Ids.fromPath(id));
        return "redirect:/console/jobs?deleted";
    }
}
