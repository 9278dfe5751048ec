package dev.cloudwarden.overview.internal;

import dev.cloudwarden.activity.RecentActivity;
import dev.cloudwarden.agentgateway.AgentOverview;
import dev.cloudwarden.cloud.CloudOverview;
import dev.cloudwarden.identity.CloudwardenPrincipal;
import dev.cloudwarden.identity.TeamOverview;
import dev.cloudwarden.lifecycle.TenantLifecycle;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.web.access.WebInvocationPrivilegeEvaluator;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * The console's home: the first-run checklist until its steps are done, then the organisation at a glance. What a
 * person may do is asked of the route table (the privilege evaluator that also draws the navigation), never decided
 * here: a VIEWER gets no step they could not take, an OPERATOR no recent activity.
 */
@Controller
class OverviewController {

    static final int DAYS = 30;
    static final int RECENT = 5;
    private static final Map<String, String> KINDS = Map.of("instance", "Instances", "volume", "Volumes", "snapshot", "Snapshots");

    /** A step of the first run: {@code path} is where it is taken, {@code done} whether it has been. */
    record Step(String id, String title, String hint, String path, boolean done) {
    }

    record NamedBars(String id, String name, Charts.Bars bars) {
    }

    private final CloudOverview cloud;
    private final AgentOverview agents;
    private final TeamOverview team;
    private final RecentActivity activity;
    private final TenantLifecycle lifecycle;
    /** Read when a page is drawn: a command-line run of the application has no web security, and draws no page. */
    private final ObjectProvider<WebInvocationPrivilegeEvaluator> privileges;
    private final Clock clock;

    OverviewController(CloudOverview cloud, AgentOverview agents, TeamOverview team, RecentActivity activity, TenantLifecycle lifecycle,
                       ObjectProvider<WebInvocationPrivilegeEvaluator> privileges, Clock clock) {
        this.cloud = cloud;
        this.agents = agents;
        this.team = team;
        this.activity = activity;
        this.lifecycle = lifecycle;
        this.privileges = privileges;
        this.clock = clock;
    }

    @GetMapping("/console")
    String overview(@AuthenticationPrincipal CloudwardenPrincipal principal, Authentication authentication, Model model) {
        Instant now = clock.instant();
        TeamOverview.Team people = team.team(principal.userId());
        CloudOverview.Summary summary = cloud.summary(now, DAYS);
        AgentOverview.Counts agentCounts = agents.counts(now);
        List<Step> steps = steps(people, summary, agentCounts, authentication);

        model.addAttribute("me", principal);
        model.addAttribute("team", people);
        model.addAttribute("steps", steps);
        model.addAttribute("stepsDone", steps.stream().filter(Step::done).count());
        model.addAttribute("firstRun", steps.stream().anyMatch(s -> !s.done()));
        model.addAttribute("cloud", summary);
        model.addAttribute("agents", agentCounts);
        model.addAttribute("subscription", lifecycle.current());
        model.addAttribute("hoursSaved", Math.round(summary.hoursSaved()));
        model.addAttribute("runs", Charts.days(summary.runs()));
        Charts.Bars byKind = Charts.bars(count(summary.resources(), r -> KINDS.getOrDefault(r.kind(), r.kind())));
        model.addAttribute("byKind", byKind);
        model.addAttribute("resourceCharts", List.of(new NamedBars("kind", "By type", byKind),
                new NamedBars("state", "Instances by state", Charts.bars(count(
                        summary.resources().stream().filter(r -> r.kind().equals("instance")).toList(), CloudOverview.ResourceCount::state))),
                new NamedBars("region", "By region", Charts.bars(count(summary.resources(), CloudOverview.ResourceCount::region)))));
        model.addAttribute("peopleLink", allowed("GET", "/console/users", authentication));
        if (allowed("GET", "/console/activity", authentication)) {
            model.addAttribute("recent", activity.latest(RECENT));
        }
        return "console";
    }

    private List<Step> steps(TeamOverview.Team people, CloudOverview.Summary summary, AgentOverview.Counts agentCounts,
                             Authentication who) {
        List<Step> steps = new ArrayList<>();
        steps.add(new Step("mfa", "Turn on two-factor authentication",
                "Scan a QR code with an authenticator app, so a stolen password is not enough to sign in as you.", "/mfa",
                people.viewerHasMfa()));
        if (allowed("POST", "/console/users/invite", who)) {
            steps.add(new Step("invite", "Invite a teammate",
                    "Send an invitation by email and choose their role: a viewer can look, an operator can also run jobs.",
                    "/console/users", people.active() + people.invited() > 1));
        }
        if (allowed("POST", "/console/cloud-accounts", who)) {
            CloudOverview.Accounts accounts = summary.accounts();
            steps.add(new Step("cloud", "Connect a cloud account",
                    accounts.total() > 0 && accounts.verified() == 0
                            ? "An account is added but not verified yet: open it and press Verify; it says in plain words what to fix."
                            : "Create the role from our CloudFormation template in your AWS account, add its ARN, then verify it.",
                    accounts.total() > 0 && accounts.verified() == 0 ? "/console/cloud-accounts" : "/console/cloud-accounts/setup",
                    accounts.verified() > 0));
        }
        if (allowed("POST", "/console/jobs", who)) {
            steps.add(new Step("job", "Create a first job",
                    "Start from a template, such as stopping dev instances at night or daily snapshots kept 7 days, and try it as a dry run.",
                    "/console/jobs", summary.jobs() > 0));
        }
        if (allowed("POST", "/console/agents/enrollment-tokens", who)) {
            steps.add(new Step("agent", "Install a host agent",
                    "Make a single-use enrolment token and run the agent on a server: it only connects out, over HTTPS.",
                    "/console/agents", agentCounts.total() > 0));
        }
        return steps;
    }

    private boolean allowed(String method, String path, Authentication who) {
        return privileges.getObject().isAllowed("", path, method, who);
    }

    private static Map<String, Long> count(List<CloudOverview.ResourceCount> resources, Function<CloudOverview.ResourceCount, String> by) {
        return resources.stream().collect(Collectors.groupingBy(by, TreeMap::new, Collectors.summingLong(CloudOverview.ResourceCount::count)));
    }
}
