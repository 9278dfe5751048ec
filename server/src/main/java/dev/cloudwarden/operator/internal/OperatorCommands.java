package dev.cloudwarden.operator.internal;

import dev.cloudwarden.common.ApiProblem;
import java.io.PrintStream;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.stereotype.Component;

/**
 * {@code ./cloudwarden operator create --email <e> --role PLATFORM_ADMIN|SUPPORT}: the only way an operator
 * account comes to exist; {@code operator disable --email <e>}: offboarding. It prints a single-use link, valid for 24 hours, where the new operator sets a
 * password and enrols TOTP; nothing else is printed or stored in the clear. Run with the server's
 * start-up but without its web server; a refusal prints one line and exits with 2.
 */
@Component
class OperatorCommands {

    static final String EMAIL = "cloudwarden.operator-command.email";
    static final String ROLE = "cloudwarden.operator-command.role";

    private final Operators operators;

    OperatorCommands(Operators operators) {
        this.operators = operators;
    }

    @Component
    @ConditionalOnExpression("'${cloudwarden.command:}'.startsWith('operator-')")
    static class Runner implements ApplicationRunner {

        private final OperatorCommands commands;
        private final ConfigurableApplicationContext context;

        Runner(OperatorCommands commands, ConfigurableApplicationContext context) {
            this.commands = commands;
            this.context = context;
        }

        @Override
        public void run(ApplicationArguments args) {
            var env = context.getEnvironment();
            int status = switch (env.getProperty("cloudwarden.command", "")) {
                case "operator-create" -> commands.create(env.getProperty(EMAIL), env.getProperty(ROLE), System.out, System.err);
                case "operator-disable" -> commands.disable(env.getProperty(EMAIL), System.out, System.err);
                default -> {
                    System.err.println("cloudwarden: unknown operator command (create, disable)");
                    yield 2;
                }
            };
            context.close();
            if (status != 0) {
                System.exit(status);
            }
        }
    }

    int disable(String email, PrintStream out, PrintStream err) {
        try {
            if (!operators.disable(email)) {
                err.println("cloudwarden: there is no operator with this email, or they are disabled already");
                return 1;
            }
            out.println("Operator disabled: they cannot sign in, and every session of theirs has ended.");
            return 0;
        } catch (ApiProblem problem) {
            err.println("cloudwarden: " + problem.getMessage());
            return 2;
        }
    }

    int create(String email, String role, PrintStream out, PrintStream err) {
        try {
            Operators.Created created = operators.create(email, role);
            out.println("Operator " + created.operator().email() + " (" + created.operator().role() + ") created, id "
                    + created.operator().id() + ".");
            out.println("Send them this link, privately; it works once, within 24 hours, to set a password and an authenticator app:");
            out.println("  " + created.link().reveal());
            return 0;
        } catch (ApiProblem problem) {
            err.println("cloudwarden: " + problem.getMessage());
            return 2;
        }
    }
}
