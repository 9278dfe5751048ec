package dev.cloudwarden.cloud.internal;

import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.FormError;
import dev.cloudwarden.common.Ids;
import dev.cloudwarden.common.ListPage;
import dev.cloudwarden.common.NameAndState;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/** Console pages for cloud accounts: the list and the add form, the setup steps, an account with its inventory. */
@Controller
class CloudConsoleController {

    static final List<String> VERIFICATION_STATES = List.of("unverified", "verified", "failed");

    private final CloudAccounts accounts;
    private final AccountVerification verification;
    private final InventorySync sync;
    private final Inventory inventory;

    CloudConsoleController(CloudAccounts accounts, AccountVerification verification, InventorySync sync, Inventory inventory) {
        this.accounts = accounts;
        this.verification = verification;
        this.sync = sync;
        this.inventory = inventory;
    }

    /** The accounts, narrowed by a part of the name and a verification state when chosen, a page at a time. */
    @GetMapping("/console/cloud-accounts")
    String list(@RequestParam(defaultValue = "") String q, @RequestParam(defaultValue = "") String state,
                @RequestParam(required = false) String page, Model model) {
        NameAndState filter = NameAndState.of(q, state, VERIFICATION_STATES).orElseGet(() -> {
            model.addAttribute("filterError", "Choose the state from its list, and at most " + NameAndState.MAX_NAME + " characters of a name.");
            return NameAndState.none();
        });
        List<CloudAccountRows.Account> chosen = accounts.list().stream().filter(a -> filter.matches(a.name(), a.verification().status())).toList();
        model.addAttribute("filter", filter);
        model.addAttribute("states", VERIFICATION_STATES);
        model.addAttribute("accounts", ListPage.of(chosen, page, "/console/cloud-accounts", filter.query()));
        return "cloud-accounts";
    }

    /** The role ARN is never put back into the page, even after a refusal: the form asks for it again. */
    @PostMapping("/console/cloud-accounts")
    String add(@RequestParam(defaultValue = "") String name, @RequestParam(defaultValue = "") String roleArn,
               @RequestParam(defaultValue = "") String regions, Model model) {
        List<String> regionList = Arrays.stream(regions.split("[,\\s]+")).filter(r -> !r.isEmpty()).toList();
        try {
            CloudAccountRows.Account added = accounts.create(new CloudAccounts.NewAccount(name, "aws", roleArn, regionList));
            return "redirect:/console/cloud-accounts/" + added.id() + "?added";
        } catch (ApiProblem problem) {
            model.addAttribute("formError", FormError.of(problem, "name", "roleArn", "regions"));
            model.addAttribute("name", name);
            model.addAttribute("regions", regions);
            return list("", "", null, model);
        }
    }

    @GetMapping("/console/cloud-accounts/setup")
    String setup(Model model) {
        CloudAccounts.Setup setup = accounts.setup();
        model.addAttribute("setup", setup);
        model.addAttribute("iamPolicy", setup.iamPolicy().toPrettyString());
        return "cloud-setup";
    }

    @GetMapping("/console/cloud-accounts/{id}")
    String account(@PathVariable String id, @RequestParam(defaultValue = "") String kind, @RequestParam(defaultValue = "") String cursor,
                   Model model) {
        UUID account = Ids.fromPath(id);
        model.addAttribute("account", accounts.get(account));
        Map<String, String> filter = new java.util.HashMap<>();
        if (!kind.isEmpty()) {
            filter.put("kind", kind);
        }
        if (!cursor.isEmpty()) {
            filter.put("cursor", cursor);
        }
        model.addAttribute("kind", kind);
        model.addAttribute("page", inventory.page(account, filter));
        return "cloud-account";
    }

    @PostMapping("/console/cloud-accounts/{id}/verify")
    String verify(@PathVariable String id) {
        CloudAccountRows.Account account = verification.verify(Ids.fromPath(id));
        return "redirect:/console/cloud-accounts/" + account.id() + "?checked";
    }

    @PostMapping("/console/cloud-accounts/{id}/sync")
    String sync(@PathVariable String id) {
        UUID account = Ids.fromPath(id);
        try {
            sync.request(account);
            return "redirect:/console/cloud-accounts/" + account + "?syncStarted";
        } catch (ApiProblem problem) {
            if (problem.status().value() == 409) {
                return "redirect:/console/cloud-accounts/" + account + "?syncRunning";
            }
            throw problem;
        }
    }

    @PostMapping("/console/cloud-accounts/{id}/delete")
    String delete(@PathVariable String id) {
        accounts.delete(Ids.fromPath(id));
        return "redirect:/console/cloud-accounts?deleted";
    }
}
