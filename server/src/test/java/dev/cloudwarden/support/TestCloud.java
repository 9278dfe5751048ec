package dev.cloudwarden.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** Cloud-account steps through the API, against the dev sandbox AWS the test server runs. */
public final class TestCloud {

    private TestCloud() {
    }

    /** Adds the tenant's sandbox account (the role the setup answer made for it) and returns the account. */
    public static JsonNode addSandboxAccount(Api api, String token, List<String> regions) {
        String roleArn = api.get("/api/v1/cloud-accounts/setup", token).json().at("/sandbox/roleArn").asString();
        Api.Response added = api.post("/api/v1/cloud-accounts",
                Map.of("name", "Sandbox", "provider", "aws", "roleArn", roleArn, "regions", regions), token);
        assertThat(added.status()).as(added.body()).isEqualTo(201);
        return added.json();
    }

    /** Starts a sync and waits for its end; returns the account afterwards. */
    public static JsonNode syncAndWait(Api api, String token, String accountId) throws InterruptedException {
        Api.Response started = api.post("/api/v1/cloud-accounts/" + accountId + "/sync", "", token);
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        assertThat(started.json().get("status").asString()).isEqualTo("running");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            JsonNode account = api.get("/api/v1/cloud-accounts/" + accountId, token).json();
            if (!"running".equals(account.at("/sync/status").asString())) {
                return account;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the sync did not finish in 30 s");
    }

    /** Creates a job on an account and returns it. */
    public static JsonNode createJob(Api api, String token, String accountId, Map<String, Object> job) {
        Map<String, Object> body = new java.util.HashMap<>(job);
        body.put("cloudAccountId", accountId);
        Api.Response created = api.post("/api/v1/jobs", body, token);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json();
    }

    /** Runs a job now and waits for the run's end; returns the run with its results. */
    public static JsonNode runAndWait(Api api, String token, String jobId, boolean dryRun) throws InterruptedException {
        Api.Response queued = api.post("/api/v1/jobs/" + jobId + "/runs", Map.of("dryRun", dryRun), token);
        assertThat(queued.status()).as(queued.body()).isEqualTo(202);
        String run = queued.json().get("id").asString();
        long deadline = System.nanoTime() + 30_000_000_000L;
        JsonNode r;
        do {
            Thread.sleep(50);
            r = api.get("/api/v1/jobs/" + jobId + "/runs/" + run, token).json();
        } while (java.util.Set.of("queued", "running").contains(r.get("status").asString()) && System.nanoTime() < deadline);
        return r;
    }
}
