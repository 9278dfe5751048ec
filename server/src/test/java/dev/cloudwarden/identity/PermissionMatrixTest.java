package dev.cloudwarden.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestMail;
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
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/** Every endpoint × every role, as docs/permissions.md states it, against the running server. */
class PermissionMatrixTest extends IntegrationTest {

    private static final Path MATRIX = Path.of("..", "docs", "permissions.md");
    private static final Pattern ROW = Pattern.compile("^\\| `(GET|POST|PATCH|DELETE) (/[^`]*)` \\|(.*)\\|\\s*$");
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

    record Rule(String method, String path, Map<Role, Boolean> allowed) {
    }

    @Autowired
    RequestMappingHandlerMapping mappings;

    @Test
    void everyEndpointAnswersEveryRoleAsTheMatrixSays() throws Exception {
        List<Rule> rules = rules();
        assertThat(rules).hasSizeGreaterThanOrEqualTo(9);
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

        List<String> mismatches = new ArrayList<>();
        for (Rule rule : rules) {
            for (Role role : Role.values()) {
                int status = rule.path().startsWith("/api/") ? callApi(rule, emails.get(role)) : callConsole(rule, emails.get(role));
                boolean allowed = rule.allowed().get(role);
                boolean ok = allowed ? status != 401 && status != 403 && status < 500 : status == 403;
                if (!ok) {
                    mismatches.add(rule.method() + " " + rule.path() + " as " + role + ": expected " + (allowed ? "allowed" : "403") + ", got " + status);
                }
            }
        }
        assertThat(mismatches).isEmpty();
    }

    @Test
    void theMatrixListsEveryApiEndpoint() throws Exception {
        Set<String> documented = new TreeSet<>();
        for (String line : Files.readAllLines(MATRIX)) {
            Matcher m = Pattern.compile("`(GET|POST|PATCH|DELETE) (/(?:api|console)[^`]*)`").matcher(line);
            if (m.find()) {
                documented.add(m.group(1) + " " + m.group(2));
            }
        }
        Set<String> served = new TreeSet<>();
        mappings.getHandlerMethods().keySet().forEach(info -> info.getPatternValues().stream()
                .filter(p -> p.startsWith("/api/") || p.startsWith("/console"))
                .forEach(p -> info.getMethodsCondition().getMethods().forEach(m -> served.add(m.name() + " " + p))));
        assertThat(served).isNotEmpty();
        assertThat(documented).as("endpoints in docs/permissions.md").containsAll(served);
    }

    private int callApi(Rule rule, String email) {
        String token = api.signIn(email, Api.PASSWORD); // fresh: some calls end the session
        String path = rule.path().replace("{id}", UUID.randomUUID().toString());
        HttpRequest.Builder request = api.request(path, token);
        HttpRequest.BodyPublisher empty = HttpRequest.BodyPublishers.ofString("{}");
        request = switch (rule.method()) {
            case "GET" -> request.GET();
            case "DELETE" -> request.DELETE();
            default -> request.header("Content-Type", "application/json").method(rule.method(), empty);
        };
        return api.send(request.build()).status();
    }

    private int callConsole(Rule rule, String email) {
        Api browser = new Api(port, true);
        String loginPage = browser.get("/login", null).body();
        browser.send(browser.request("/login", null).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("email", email, "password", Api.PASSWORD, "_csrf", csrf(loginPage))))).build());
        Api.Response console = browser.get("/console", null);
        assertThat(console.status()).as("console sign-in as " + email).isEqualTo(200);
        String path = rule.path().replace("{id}", UUID.randomUUID().toString());
        if (rule.method().equals("GET")) {
            return browser.get(path, null).status();
        }
        return browser.send(browser.request(path, null).header("Content-Type", "application/x-www-form-urlencoded")
                .method(rule.method(), HttpRequest.BodyPublishers.ofString(form(Map.of("_csrf", csrf(console.body()))))).build()).status();
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

    static List<Rule> rules() throws Exception {
        List<Rule> rules = new ArrayList<>();
        for (String line : Files.readAllLines(MATRIX)) {
            if (line.startsWith("## Public")) {
                break; // the role matrix ends where the public endpoints begin
            }
            Matcher m = ROW.matcher(line);
            if (!m.matches()) {
                continue;
            }
            String[] cells = m.group(3).split("\\|");
            assertThat(cells).as(line).hasSize(4);
            Map<Role, Boolean> allowed = new EnumMap<>(Role.class);
            for (int i = 0; i < 4; i++) {
                String cell = cells[i].strip();
                assertThat(cell).as(line).isIn("yes", "no");
                allowed.put(Role.values()[i], cell.equals("yes"));
            }
            rules.add(new Rule(m.group(1), m.group(2), allowed));
        }
        return rules;
    }
}
