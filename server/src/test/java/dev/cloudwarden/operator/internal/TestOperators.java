package dev.cloudwarden.operator.internal;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.ConsoleClient;
import dev.cloudwarden.support.TestClock;
import dev.cloudwarden.support.TestTotp;
import java.util.Map;
import java.util.UUID;
import org.springframework.context.ApplicationContext;

/** Operators for tests: created as the command line does, enrolled through the real API, signed in with real TOTP codes. */
public final class TestOperators {

    public static final String PASSWORD = "quarry-lantern-spindle-47";

    /** An enrolled operator and the Base32 TOTP secret their authenticator app holds. */
    public record Operator(UUID id, String email, String role, String secret) {
    }

    private TestOperators() {
    }

    public static Operator create(ApplicationContext context, Api api, TestClock clock, String role) {
        Operators.Created created = context.getBean(Operators.class).create(Api.uniqueEmail("ops-" + role.toLowerCase().replace('_', '-')), role);
        String link = created.link().reveal();
        String token = link.substring(link.indexOf('#') + 1);
        Api.Response offer = api.post("/ops/api/v1/enrolments/offer", Map.of("token", token), null);
        if (offer.status() != 200) {
            throw new AssertionError("enrolment offer failed: " + offer.status() + " " + offer.body());
        }
        String secret = offer.json().get("secret").asString();
        Api.Response enrolled = api.post("/ops/api/v1/enrolments",
                Map.of("token", token, "password", PASSWORD, "code", TestTotp.code(secret, clock.nextTotpStep())), null);
        if (enrolled.status() != 201) {
            throw new AssertionError("enrolment failed: " + enrolled.status() + " " + enrolled.body());
        }
        return new Operator(created.operator().id(), created.operator().email(), role, secret);
    }

    /** A browser signed in to the operators' console through its sign-in form (the password and a fresh code). */
    public static ConsoleClient console(int port, TestClock clock, Operator operator) {
        ConsoleClient console = new ConsoleClient(port);
        Api.Response signedIn = console.submit("/ops/login", "/ops/login", Map.of("email", operator.email(), "password", PASSWORD,
                "otp", TestTotp.code(operator.secret(), clock.nextTotpStep())));
        if (signedIn.status() != 302 || !signedIn.header("Location").endsWith("/ops")) {
            throw new AssertionError("operator console sign-in failed: " + signedIn.status() + " " + signedIn.header("Location"));
        }
        return console;
    }

    /** Offboards an operator as {@code ./cloudwarden operator disable} does. */
    public static boolean disable(ApplicationContext context, String email) {
        return context.getBean(Operators.class).disable(email);
    }

    /** Records grants past their time as expired now, as the server's minutely pass does. */
    public static int expireDue(ApplicationContext context) {
        return context.getBean(AccessRequests.class).expireDue();
    }

    /** A fresh operator session token; each sign-in moves the server's clock to a new TOTP step (a code works once). */
    public static String signIn(Api api, TestClock clock, Operator operator) {
        Api.Response session = api.post("/ops/api/v1/sessions", Map.of("email", operator.email(), "password", PASSWORD,
                "otp", TestTotp.code(operator.secret(), clock.nextTotpStep())), null);
        if (session.status() != 201) {
            throw new AssertionError("operator sign-in failed: " + session.status() + " " + session.body());
        }
        return session.json().get("token").asString();
    }
}
