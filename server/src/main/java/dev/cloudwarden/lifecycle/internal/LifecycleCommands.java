package dev.cloudwarden.lifecycle.internal;

import dev.cloudwarden.common.ApiProblem;
import java.io.PrintStream;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.UUID;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.stereotype.Component;

/**
 * The operators' lifecycle commands until the operator console exists, run with the server's
 * start-up but without its web server, then exit: {@code ./cloudwarden tenant terminate <id>
 * [--retention <ISO-8601 duration>]}, {@code renew <id>}, {@code purge <id>} and {@code purge-report
 * <id>}. A refusal prints one line on stderr and exits with 2; an unknown tenant exits with 1; a
 * report that finds rows of a purged tenant left exits with 3.
 */
@Component
class LifecycleCommands {

    static final String TENANT = "cloudwarden.tenant-command.tenant";
    static final String RETENTION = "cloudwarden.tenant-command.retention";

    private final Subscriptions subscriptions;
    private final TenantPurge purge;

    LifecycleCommands(Subscriptions subscriptions, TenantPurge purge) {
        this.subscriptions = subscriptions;
        this.purge = purge;
    }

    /** The command line's entry: runs the command given by {@code cloudwarden.command}, then stops the process. */
    @Component
    @ConditionalOnExpression("'${cloudwarden.command:}'.startsWith('tenant-')")
    static class Runner implements ApplicationRunner {

        private final LifecycleCommands commands;
        private final ConfigurableApplicationContext context;

        Runner(LifecycleCommands commands, ConfigurableApplicationContext context) {
            this.commands = commands;
            this.context = context;
        }

        @Override
        public void run(ApplicationArguments args) {
            var env = context.getEnvironment();
            int status = commands.execute(env.getProperty("cloudwarden.command"), env.getProperty(TENANT), env.getProperty(RETENTION),
                    System.out, System.err);
            context.close();
            if (status != 0) {
                System.exit(status);
            }
        }
    }

    /** Runs one command; the exit status. */
    int execute(String command, String tenantArgument, String retentionArgument, PrintStream out, PrintStream err) {
        UUID tenant;
        try {
            tenant = UUID.fromString(tenantArgument == null ? "" : tenantArgument.strip());
        } catch (IllegalArgumentException e) {
            err.println("cloudwarden: the tenant must be given by its id (a UUID, as GET /api/v1/me shows it)");
            return 2;
        }
        Duration retention = null;
        if (retentionArgument != null && !retentionArgument.isBlank()) {
            if (!command.equals("tenant-terminate")) {
                err.println("cloudwarden: --retention is an option of terminate only");
                return 2;
            }
            try {
                retention = Duration.parse(retentionArgument.strip());
            } catch (DateTimeParseException e) {
                err.println("cloudwarden: --retention must be an ISO-8601 duration, such as P90D or PT10M");
                return 2;
            }
        }
        try {
            switch (command) {
                case "tenant-terminate" -> {
                    Subscriptions.Subscription s = subscriptions.terminate(tenant, retention);
                    out.println("Tenant " + tenant + " terminated on " + Subscriptions.DATE.format(s.terminatedAt())
                            + ". Its data is kept until " + Subscriptions.DATE.format(s.purgeAfter()) + ", then purged.");
                }
                case "tenant-renew" -> {
                    subscriptions.renew(tenant);
                    out.println("Tenant " + tenant + " renewed: its users can sign in and its jobs run again, as before termination.");
                }
                case "tenant-purge" -> {
                    TenantPurge.Tombstone t = purge.purge(tenant);
                    out.println("Tenant " + tenant + " purged: " + t.rows() + " rows deleted, keyset destroyed.");
                    return report(t, purge.check(tenant), out, err);
                }
                case "tenant-purge-report" -> {
                    TenantPurge.Tombstone t = purge.tombstone(tenant).orElse(null);
                    if (t == null) {
                        err.println("cloudwarden: tenant " + tenant + " has not been purged (no tombstone)");
                        return 1;
                    }
                    return report(t, purge.check(tenant), out, err);
                }
                default -> {
                    err.println("cloudwarden: unknown command " + command + " (terminate, renew, purge, purge-report)");
                    return 2;
                }
            }
            return 0;
        } catch (ApiProblem problem) {
            if (problem.status().value() == 404) {
                err.println("cloudwarden: there is no tenant " + tenant);
                return 1;
            }
            err.println("cloudwarden: " + problem.getMessage());
            return 2;
        }
    }

    /**
     * The tombstone, for people (no customer data in it, so all of it is printed), and the check of the
     * catalog's tenant tables; 3 when a completed purge left rows.
     */
    static int report(TenantPurge.Tombstone t, TenantPurge.Check check, PrintStream out, PrintStream err) {
        out.println("Tombstone of tenant " + t.tenant());
        out.println("  status:           " + (t.purgedAt() == null ? "purge under way (run purge again to finish it)" : "PURGED"));
        out.println("  signed up:        " + t.createdAt());
        out.println("  terminated:       " + t.terminatedAt());
        out.println("  purge after:      " + t.purgeAfter());
        out.println("  purge started:    " + t.purgeStartedAt());
        out.println("  purged:           " + (t.purgedAt() == null ? "-" : t.purgedAt()));
        out.println("  activity chain:   " + t.activitySeq() + " events, final head hash " + t.activityHeadHash());
        out.println("  rows deleted:     " + t.rows());
        for (Map.Entry<String, Long> e : t.rowCounts().entrySet()) {
            out.println(String.format("    %-28s %d", e.getKey(), e.getValue()));
        }
        if (check.left().isEmpty()) {
            out.println("  check:            no row of the tenant in any of the " + check.tables() + " tenant tables of the catalog");
            return 0;
        }
        out.println("  check:            rows of the tenant left in " + check.left());
        if (t.purgedAt() != null) {
            err.println("cloudwarden: the purge of tenant " + t.tenant() + " is complete, yet rows of it are left: " + check.left().keySet());
            return 3;
        }
        return 0;
    }
}
