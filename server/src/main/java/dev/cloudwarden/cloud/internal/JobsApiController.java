package dev.cloudwarden.cloud.internal;

import dev.cloudwarden.common.Ids;
import dev.cloudwarden.common.QueryParameters;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Automation jobs and their runs under /api/v1/jobs (who may call what: the route table). */
@RestController
@RequestMapping(path = "/api/v1/jobs", produces = "application/json")
@Tag(name = "Jobs", description = "Automation jobs on a cloud account, their runs and per-resource results")
class JobsApiController {

    private final Jobs jobs;
    private final JobRuns runs;

    JobsApiController(Jobs jobs, JobRuns runs) {
        this.jobs = jobs;
        this.runs = runs;
    }

    record RunRequest(Boolean dryRun) {
    }

    record RunQueued(UUID id) {
    }

    @GetMapping
    List<JobRows.Job> list() {
        return jobs.list();
    }

    @PostMapping(consumes = "application/json")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Create a job; one that changes resources must select them by tag")
    JobRows.Job create(@RequestBody JobDefinition.Request request) {
        return jobs.create(request);
    }

    @PostMapping(consumes = "application/yaml")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Create a job from a Cloud Custodian-shaped policy (docs/jobs.md)")
    JobRows.Job createFromPolicy(@RequestBody String policy) {
        JobDefinition.Request request = CustodianYaml.parse(policy);
        try {
            return jobs.create(request);
        } catch (dev.cloudwarden.common.ApiProblem problem) {
            throw CustodianYaml.inPolicyTerms(problem);
        }
    }

    @GetMapping("/{id}")
    JobRows.Job get(@PathVariable String id) {
        return jobs.get(Ids.fromPath(id));
    }

    @GetMapping(path = "/{id}", produces = "application/yaml")
    @Operation(summary = "The job as a Cloud Custodian-shaped policy")
    String getAsPolicy(@PathVariable String id) {
        return CustodianYaml.render(jobs.get(Ids.fromPath(id)));
    }

    @PatchMapping(path = "/{id}", consumes = "application/json")
    @Operation(summary = "Change a job's name, schedule, time zone or parameters, or pause and resume it (paused: true/false)")
    JobRows.Job change(@PathVariable String id, @RequestBody Jobs.Change change) {
        return jobs.change(Ids.fromPath(id), change);
    }

    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void delete(@PathVariable String id) {
        jobs.delete(Ids.fromPath(id));
    }

    @PostMapping("/{id}/runs")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Run the job now; with dryRun it only reports what it would do")
    RunQueued run(@PathVariable String id, @RequestBody(required = false) RunRequest request) {
        return new RunQueued(runs.request(Ids.fromPath(id), request != null && Boolean.TRUE.equals(request.dryRun())));
    }

    @GetMapping("/{id}/runs")
    @Operation(summary = "The job's latest runs, newest first; filters status, trigger (manual, schedule) and limit (1-100); before (a run's id): the runs older than it, the next page")
    List<JobRows.Run> runs(@PathVariable String id, @RequestParam MultiValueMap<String, String> params) {
        return runs.list(Ids.fromPath(id), QueryParameters.of(params, JobRuns.FILTERS, JobRuns.USAGE));
    }

    @GetMapping("/{id}/runs/{runId}")
    JobRows.Run run(@PathVariable String id, @PathVariable String runId) {
        return runs.get(Ids.fromPath(id), Ids.fromPath(runId));
    }
}
