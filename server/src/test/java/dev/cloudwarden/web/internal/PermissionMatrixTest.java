package dev.cloudwarden.web.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.identity.Role;
import dev.cloudwarden.operator.OperatorRole;
import dev.cloudwarden.operator.internal.TestOperators;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestMail;
import dev.cloudwarden.web.Route;
import dev.cloudwarden.web.Routes;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * Every signed-in route of the route table × every role, against the running server: a role the
 * table allows is not refused (no 401, 403 or 5xx), any other gets 403. The operators' routes the same
 * way for both operator roles, and no tenant user, whatever the role, gets into any of them (signed out
 * there: 401 on the API, the sign-in page or a CSRF refusal in the console). Also: docs/permissions.md
 * shows exactly the route table, and the table declares exactly what the server serves.
 */
class PermissionMatrixTest extends IntegrationTest {

    private static final Path MATRIX = Path.of("..", "docs", "permissions.md");
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");
    /** Routes that Spring Security's filters or the static resource handler serve, not a controller. */
    private static final Set<String> SERVED_BY_FILTERS = Set.of("POST /login", "POST /logout", "GET /css/**", "GET /js/**", "GET /favicon.svg", "GET /favicon.ico",
            "GET /swagger-ui/**");

    @Autowired
    RequestMappingHandlerMapping mappings;

    @Autowired
    ApplicationContext context;

    /** Operators' sign-ins move the clock a TOTP step each, and grants expire by it: the next tests start from the wall clock. */
    @org.junit.jupiter.api.AfterEach
    void wallClock() {
        clock.reset();
    }

    @Test
    void everyRouteAnswersEveryRoleAsTheRouteTableSays() throws Exception {
        Api.Tenant owner = api.signUpAndSignIn("Matrix Org");
        Map<Role, String> emails = new EnumMap<>(Role.class);
        emails.put(Role.OWNER, owner.email());
        for (Role role : List.of(Role.ADMIN, Role.OPERATOR, Role.VIEWER)) {
            String email = Api.uniqueEmail(role.name().toLowerCase());
            assertThat(api.post("/api/v1/users", Map.of("email", email, "role", role.name()), owner.token()).status()).isEqualTo(201);
            String token = TestMail.token(TestMail.awaitMessageTo(email), "cwi_");
            assertThat(api.post("/api/v1/invitations/accept", Map.of("token", token, "password", Api.PASSWORD), null).status()).isEqualTo(200);
            emails.put(role, email);
        }

        List<Route> signedIn = Routes.ALL.stream().filter(r -> !r.isPublic()).toList();
        assertThat(signedIn).hasSizeGreaterThanOrEqualTo(30);
        Map<OperatorRole, TestOperators.Operator> staff = new EnumMap<>(OperatorRole.class);
        for (OperatorRole role : OperatorRole.values()) {
            staff.put(role, TestOperators.create(context, api, clock, role.name()));
        }
        Map<OperatorRole, String> opsTokens = new EnumMap<>(OperatorRole.class);
        Map<OperatorRole, Api> opsBrowsers = new EnumMap<>(OperatorRole.class);
        List<String> mismatches = new ArrayList<>();
        for (Route route : signedIn) {
            for (Role role : Role.values()) {
                int status = route.path().startsWith("/api/") || route.path().startsWith("/ops/api/") ? callApi(route, emails.get(role))
                        : callConsole(route, emails.get(role));
                boolean allowed = route.roles().contains(role);
                boolean ok = route.isOps() ? status == 401 || status == 302 || status == 403
                        : allowed ? status != 401 && status != 403 && status < 500 : status == 403;
                if (!ok) {
                    mismatches.add(route + " as " + role + ": expected " + (route.isOps() ? "signed out" : allowed ? "allowed" : "403")
                            + ", got " + status);
                }
            }
            if (!route.isOps()) {
                continue;
            }
            for (OperatorRole role : OperatorRole.values()) {
                int status;
                if (route.path().startsWith("/ops/api/")) {
                    String token = opsTokens.computeIfAbsent(role, r -> TestOperators.signIn(api, clock, staff.get(r)));
                    status = call(route, token);
                    if (route.path().equals("/ops/api/v1/sessions/current")) {
                        opsTokens.remove(role);
                    }
                } else {
                    Api browser = opsBrowsers.computeIfAbsent(role, r -> opsConsole(staff.get(r)));
                    status = callOpsConsole(browser, route);
                    if (route.path().equals("/ops/logout")) {
                        opsBrowsers.remove(role);
                    }
                }
                boolean allowed = route.staff().contains(role);
                boolean ok = allowed ? status != 401 && status != 403 && status < 500 : status == 403;
                if (!ok) {
                    mismatches.add(route + " as operator " + role + ": expected " + (allowed ? "allowed" : "403") + ", got " + status);
                }
            }
        }
        assertThat(mismatches).isEmpty();
    }

    /** An operators' console session: the sign-in form with its CSRF token, the password and a fresh code. */
    private Api opsConsole(TestOperators.Operator operator) {
        Api browser = new Api(port, true);
        String page = browser.get("/ops/login", null).body();
        Api.Response signedIn = browser.send(browser.request("/ops/login", null).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("email", operator.email(), "password", TestOperators.PASSWORD,
                        "otp", dev.cloudwarden.support.TestTotp.code(operator.secret(), clock.nextTotpStep()), "_csrf", csrf(page))))).build());
        assertThat(signedIn.header("Location")).as("operator console sign-in").endsWith("/ops");
        return browser;
    }

    private int callOpsConsole(Api browser, Route route) {
        String path = RoutesTest.sample(route.path());
        if (route.method().name().equals("GET")) {
            return browser.get(path, null).status();
        }
        String page = browser.get("/ops", null).body();
        return browser.send(browser.request(path, null).header("Content-Type", "application/x-www-form-urlencoded")
                .method(route.method().name(), HttpRequest.BodyPublishers.ofString(form(Map.of("_csrf", csrf(page))))).build()).status();
    }

    @Test
    void theTableDeclaresExactlyWhatTheServerServes() {
        assertThat(RouteTableCheck.undeclared(mappings)).as("served but not in web.Routes").isEmpty();
        Set<String> served = new TreeSet<>();
        mappings.getHandlerMethods().keySet().forEach(info -> info.getPatternValues().forEach(p -> {
            if (info.getMethodsCondition().getMethods().isEmpty()) {
                served.add("* " + p);
            }
            info.getMethodsCondition().getMethods().forEach(m -> served.add(m.name() + " " + p));
        }));
        List<String> stale = Routes.ALL.stream().map(Route::toString)
                .filter(r -> !served.contains(r) && !SERVED_BY_FILTERS.contains(r)).toList();
        assertThat(stale).as("in web.Routes but served by nothing").isEmpty();
    }

    @Test
    void docsPermissionsShowsTheRouteTable() throws Exception {
        String doc = Files.readString(MATRIX);
        String expected = RouteTableDoc.render();
        Files.writeString(Path.of("target", "route-table.md"), expected); // to paste into the doc after a change
        int begin = doc.indexOf(RouteTableDoc.BEGIN);
        int end = doc.indexOf(RouteTableDoc.END);
        assertThat(begin).as("docs/permissions.md has the generated block").isNotNegative();
        assertThat(doc.substring(begin, end + RouteTableDoc.END.length()))
                .as("docs/permissions.md is out of date: replace its generated block with server/target/route-table.md")
                .isEqualTo(expected);
    }

    private int callApi(Route route, String email) {
        return call(route, api.signIn(email, Api.PASSWORD)); // fresh: some calls end the session
    }

    private int call(Route route, String token) {
        String path = RoutesTest.sample(route.path());
        HttpRequest.Builder request = api.request(path, token);
        HttpRequest.BodyPublisher empty = HttpRequest.BodyPublishers.ofString("{}");
        request = switch (route.method().name()) {
            case "GET" -> request.GET();
            case "DELETE" -> request.DELETE();
            default -> request.header("Content-Type", "application/json").method(route.method().name(), empty);
        };
        return api.send(request.build()).status();
    }

    private int callConsole(Route route, String email) {
        Api browser = new Api(port, true);
        String loginPage = browser.get("/login", null).body();
        browser.send(browser.request("/login", null).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("email", email, "password", Api.PASSWORD, "_csrf", csrf(loginPage))))).build());
        Api.Response console = browser.get("/console", null);
        assertThat(console.status()).as("console sign-in as " + email).isEqualTo(200);
        String path = RoutesTest.sample(route.path());
        if (route.method().name().equals("GET")) {
            return browser.get(path, null).status();
        }
        return browser.send(browser.request(path, null).header("Content-Type", "application/x-www-form-urlencoded")
                .method(route.method().name(), HttpRequest.BodyPublishers.ofString(form(Map.of("_csrf", csrf(console.body()))))).build()).status();
    }

    private static String csrf(String page) {
        Matcher m = CSRF.matcher(page);
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    private static String form(Map<String, String> fields) {
        StringBuilder out = new StringBuilder();
        fields.forEach((k, v) -> out.append(out.isEmpty() ? "" : "&").append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return out.toString();
    }
}
