package dev.cloudwarden.cloud.internal;

import dev.cloudwarden.common.Ids;
import dev.cloudwarden.common.QueryParameters;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Cloud accounts under /api/v1/cloud-accounts (who may call what: the route table). */
@RestController
@RequestMapping(path = "/api/v1/cloud-accounts", produces = "application/json")
@Tag(name = "Cloud accounts", description = "AWS accounts connected by a cross-account role with this organisation's external ID")
class CloudApiController {

    private final CloudAccounts accounts;
    private final AccountVerification verification;
    private final InventorySync sync;
    private final Inventory inventory;

    CloudApiController(CloudAccounts accounts, AccountVerification verification, InventorySync sync, Inventory inventory) {
        this.accounts = accounts;
        this.verification = verification;
        this.sync = sync;
        this.inventory = inventory;
    }

    @GetMapping("/setup")
    @Operation(summary = "The external ID, the platform's principal, the CloudFormation template and the IAM policy to connect an account")
    CloudAccounts.Setup setup() {
        return accounts.setup();
    }

    @GetMapping
    List<CloudAccountRows.Account> list() {
        return accounts.list();
    }

    @PostMapping(consumes = "application/json")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Add an account by its role ARN; reads show roleArnMasked, never the ARN")
    CloudAccountRows.Account create(@RequestBody CloudAccounts.NewAccount request) {
        return accounts.create(request);
    }

    @GetMapping("/{id}")
    CloudAccountRows.Account get(@PathVariable String id) {
        return accounts.get(Ids.fromPath(id));
    }

    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void delete(@PathVariable String id) {
        accounts.delete(Ids.fromPath(id));
    }

    @PostMapping("/{id}/verify")
    @Operation(summary = "AssumeRole with a fresh session, then DescribeRegions; the outcome is in verification")
    CloudAccountRows.Account verify(@PathVariable String id) {
        return verification.verify(Ids.fromPath(id));
    }

    @PostMapping("/{id}/sync")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Start an inventory sync; follow it in the account's sync")
    CloudAccountRows.Sync sync(@PathVariable String id) {
        return sync.request(Ids.fromPath(id));
    }

    @GetMapping("/{id}/resources")
    @Operation(summary = "The inventory of the last sync; filters kind, region, state, tag (key or key=value), limit; follow cursor")
    Inventory.Page resources(@PathVariable String id, @RequestParam org.springframework.util.MultiValueMap<String, String> params) {
        return inventory.page(Ids.fromPath(id), QueryParameters.of(params, Inventory.PARAMETERS, Inventory.USAGE));
    }
}
