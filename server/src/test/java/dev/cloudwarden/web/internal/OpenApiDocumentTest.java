package dev.cloudwarden.web.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.identity.Role;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.Browser;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.web.ApiError;
import dev.cloudwarden.web.Route;
import dev.cloudwarden.web.Routes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import tools.jackson.databind.JsonNode;

/**
 * The OpenAPI document against the running server: it covers every served /api route, each
 * operation carries its route table facts and the error answers they imply, it holds no data and
 * no secret, and the Swagger UI page works under the site's unchanged CSP.
 */
@ExtendWith(Browser.ScreenshotOnFailure.class)
class OpenApiDocumentTest extends IntegrationTest {

    /** Anything shaped like one of our tokens, a recovery code or a TOTP secret. */
    private static final Pattern SECRET_SHAPED = Pattern.compile(
            "cw[a-z]{1,3}_[A-Za-z0-9_-]{6,}|\\b[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}\\b|\\b[A-Z2-7]{32}\\b");

    @Autowired
    RequestMappingHandlerMapping mappings;

    private Browser browser;

    private JsonNode document() throws Exception {
        Api.Response r = api.get("/v3/api-docs", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        Files.writeString(Path.of("target", "openapi.json"), r.body()); // to read after a change
        return r.json();
    }

    @Test
    void everyServedApiRouteIsInTheOpenApi31Document() throws Exception {
        JsonNode doc = document();
        assertThat(doc.get("openapi").asString()).startsWith("3.1");

        Set<String> served = new TreeSet<>();
        mappings.getHandlerMethods().keySet().forEach(info -> info.getPatternValues().stream().filter(p -> p.startsWith("/api/"))
                .forEach(p -> info.getMethodsCondition().getMethods().forEach(m -> served.add(m.name() + " " + p))));
        assertThat(served).hasSizeGreaterThanOrEqualTo(20);
        assertThat(operations(doc)).as("the document's operations are the served /api routes, no more, no less")
                .containsExactlyElementsOf(served);
        assertThat(doc.get("paths").propertyNames()).allMatch(p -> p.startsWith("/api/v1/"));

        Api.Response yaml = api.get("/v3/api-docs.yaml", null);
        assertThat(yaml.status()).isEqualTo(200);
        assertThat(yaml.body()).startsWith("openapi: 3.1").contains("/api/v1/users/{id}:");
    }

    @Test
    void eachOperationCarriesItsRouteFactsAndTheErrorAnswersTheyImply() throws Exception {
        JsonNode doc = document();
        List<String> wrong = new ArrayList<>();
        for (String key : operations(doc)) {
            String method = key.substring(0, key.indexOf(' '));
            String path = key.substring(key.indexOf(' ') + 1);
            JsonNode op = doc.get("paths").get(path).get(method.toLowerCase());
            Route route = Routes.ALL.stream().filter(r -> r.toString().equals(key)).findFirst().orElseThrow();
            List<String> roles = route.roles().stream().map(Role::name).toList();

            check(wrong, key, "x-cloudwarden-public", op.get("x-cloudwarden-public").asBoolean(), route.isPublic());
            check(wrong, key, "x-cloudwarden-roles", strings(op.get("x-cloudwarden-roles")), roles);
            check(wrong, key, "x-cloudwarden-token-scope", op.get("x-cloudwarden-token-scope").asString(),
                    route.scope().map(s -> s.value()).orElse("none"));
            check(wrong, key, "x-cloudwarden-rate-limit", op.get("x-cloudwarden-rate-limit").asString(),
                    route.limit().map(l -> l.name().toLowerCase().replace('_', '-')).orElse("none"));
            check(wrong, key, "x-cloudwarden-before-mfa-enrollment", op.get("x-cloudwarden-before-mfa-enrollment").asBoolean(), route.beforeMfa());
            check(wrong, key, "security", op.has("security") ? strings(op.get("security").get(0).get("bearer")) : null,
                    route.isPublic() ? null : roles);
            check(wrong, key, "description names the roles", op.get("description").asString().contains(
                    route.isPublic() ? "**Public**" : "**Roles**: " + String.join(", ", roles) + "."), true);

            JsonNode responses = op.get("responses");
            boolean body = op.has("requestBody");
            check(wrong, key, "400", responses.has("400"), body);
            check(wrong, key, "401 unauthorized", codes(responses, "401").contains("unauthorized"), !route.isPublic());
            check(wrong, key, "403 codes", codes(responses, "403"), route.isPublic() ? Set.of() : expected403(route));
            check(wrong, key, "404", codes(responses, "404").contains("not_found"), path.contains("{"));
            check(wrong, key, "413", responses.has("413"), body);
            check(wrong, key, "415", responses.has("415"), body);
            check(wrong, key, "429 rate_limited", codes(responses, "429").contains("rate_limited"), route.limit().isPresent());
            check(wrong, key, "429 Retry-After", responses.has("429") && responses.get("429").get("headers").has("Retry-After"), responses.has("429"));
            check(wrong, key, "500", codes(responses, "500"), Set.of("internal_error"));
            check(wrong, key, "503", codes(responses, "503"), Set.of("unavailable"));
            responses.properties().stream().filter(e -> e.getKey().matches("[45]\\d\\d")).forEach(e -> check(wrong, key, e.getKey() + " body",
                    e.getValue().get("content").get("application/json").get("schema").get("$ref").asString(), "#/components/schemas/ApiError"));
            check(wrong, key, "a success answer", responses.propertyNames().stream().anyMatch(s -> s.startsWith("2")), true);
        }
        assertThat(wrong).isEmpty();

        // the same facts as a reader meets them, on a few operations picked by hand
        JsonNode paths = doc.get("paths");
        assertThat(strings(paths.get("/api/v1/users/{id}").get("patch").get("security").get(0).get("bearer"))).containsExactly("OWNER", "ADMIN");
        assertThat(codes(paths.get("/api/v1/users/{id}").get("delete").get("responses"), "403"))
                .containsExactlyInAnyOrder("forbidden", "insufficient_scope", "mfa_enrollment_required");
        assertThat(paths.get("/api/v1/me").get("get").get("x-cloudwarden-token-scope").asString()).isEqualTo("read");
        assertThat(codes(paths.get("/api/v1/me").get("get").get("responses"), "403")).containsExactly("insufficient_scope");
        JsonNode signUp = paths.get("/api/v1/signup").get("post");
        assertThat(signUp.has("security")).isFalse();
        assertThat(signUp.get("responses").has("401")).isFalse();
        assertThat(signUp.get("responses").has("403")).isFalse();
        assertThat(signUp.get("responses").get("202")).isNotNull();
        assertThat(signUp.get("x-cloudwarden-rate-limit").asString()).isEqualTo("sign-up");
        assertThat(codes(paths.get("/api/v1/sessions").get("post").get("responses"), "401"))
                .as("sign-in is public, yet answers 401 for wrong credentials").contains("invalid_credentials").doesNotContain("unauthorized");
        assertThat(paths.get("/api/v1/tokens").get("post").get("responses").get("409").get("description").asString()).contains("too_many_tokens");
    }

    @Test
    void schemasTellSecretsApartAndTheErrorBodyIsApiError() throws Exception {
        JsonNode schemas = document().get("components").get("schemas");
        JsonNode error = schemas.get("ApiError");
        assertThat(error.get("properties").propertyNames())
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(ApiError.class.getRecordComponents()).map(c -> c.getName()).toList());
        assertThat(strings(error.get("required"))).containsExactlyInAnyOrder("error", "message");
        assertThat(schemas.has("Secret")).as("common.Secret is a plain string in JSON").isFalse();

        for (String[] input : List.of(new String[]{"SessionRequest", "password"}, new String[]{"SessionRequest", "otp"},
                new String[]{"SignupRequest", "password"}, new String[]{"EmailVerification", "token"},
                new String[]{"InvitationAcceptance", "token"}, new String[]{"ResetConfirmation", "password"}, new String[]{"CodeRequest", "code"})) {
            JsonNode field = schemas.get(input[0]).get("properties").get(input[1]);
            assertThat(field.path("type").asString()).as(input[0] + "." + input[1]).isEqualTo("string");
            assertThat(field.path("format").asString()).as(input[0] + "." + input[1]).isEqualTo("password");
            assertThat(field.path("writeOnly").asBoolean()).as(input[0] + "." + input[1]).isTrue();
        }
        JsonNode created = schemas.get("SessionCreated").get("properties");
        assertThat(created.get("token").get("type").asString()).isEqualTo("string");
        assertThat(created.get("token").has("writeOnly")).isFalse();
        assertThat(created.get("expiresAt").get("format").asString()).isEqualTo("date-time");
        assertThat(strings(schemas.get("Me").get("properties").get("role").get("enum"))).containsExactly("OWNER", "ADMIN", "OPERATOR", "VIEWER");
        assertThat(schemas.get("SecuritySettingsChange").get("properties").get("mfaRequired").get("type").asString()).isEqualTo("boolean");
    }

    @Test
    void theDocumentHoldsNoDataAndNoSecretAndIsTheSameForEveryone() throws Exception {
        Api.Tenant owner = api.signUpAndSignIn("Docs Org");
        Api.Response pat = api.post("/api/v1/tokens", Map.of("name", "ci", "scopes", List.of("read"),
                "expiresAt", Instant.now().plus(1, ChronoUnit.DAYS).toString()), owner.token());
        assertThat(pat.status()).isEqualTo(201);

        Api.Response anonymous = api.get("/v3/api-docs", null);
        Api.Response signedIn = api.get("/v3/api-docs", owner.token());
        Api.Response otherLanguage = api.send(api.request("/v3/api-docs", null).header("Accept-Language", "de-CH").GET().build());
        assertThat(signedIn.body()).isEqualTo(anonymous.body());
        assertThat(otherLanguage.body()).isEqualTo(anonymous.body());
        String doc = anonymous.body();
        assertThat(doc).doesNotContain(owner.email(), owner.tenantId().toString(), owner.userId().toString(), Api.PASSWORD,
                owner.token(), pat.json().get("token").asString(), "localhost");
        assertThat(SECRET_SHAPED.matcher(doc).results().map(m -> m.group()).toList()).as("secret-shaped strings").isEmpty();
        assertThat(anonymous.headers().allValues("Set-Cookie")).as("no session for a reader of the document").isEmpty();
        assertSecurityHeaders(anonymous);
    }

    @Test
    void theSwaggerUiPageRunsUnderTheSitesUnchangedCsp() throws Exception {
        Api.Response entry = api.get("/swagger-ui.html", null);
        assertThat(entry.status()).isEqualTo(302);
        assertThat(entry.header("Location")).endsWith("/swagger-ui/index.html");
        Api.Response page = api.get("/swagger-ui/index.html", null);
        assertThat(page.status()).isEqualTo(200);
        assertSecurityHeaders(page);
        assertThat(page.body()).doesNotContainPattern("<script(?![^>]*\\bsrc=)").doesNotContain("<style", "style=", "https://", "http://");
        Api.Response initializer = api.get("/swagger-ui/swagger-initializer.js", null);
        assertThat(initializer.status()).isEqualTo(200);
        assertThat(initializer.body()).contains("/v3/api-docs/swagger-config").doesNotContain("petstore");
        assertSecurityHeaders(initializer);
        JsonNode config = api.get("/v3/api-docs/swagger-config", null).json();
        assertThat(config.get("url").asString()).isEqualTo("/v3/api-docs");
        assertThat(config.get("validatorUrl").asString()).as("no call to an outside validator").isEmpty();
        assertSecurityHeaders(api.get("/login", null)); // and the rest of the site keeps it too

        browser = new Browser(port);
        browser.open("/swagger-ui.html");
        new WebDriverWait(browser.driver(), java.time.Duration.ofSeconds(20))
                .until(d -> !d.findElements(By.cssSelector(".opblock-summary-path[data-path='/api/v1/users/{id}']")).isEmpty());
        assertThat(browser.path()).isEqualTo("/swagger-ui/index.html");
        assertThat(browser.text()).contains("Cloudwarden API", "/api/v1/signup", "/api/v1/me");
        browser.screenshot("swagger-ui");
        List<String> console = browser.consoleMessages();
        assertThat(console).as("the browser console").noneMatch(m -> m.contains("Content Security Policy") || m.contains("Refused to"));
        assertThat(console).as("no failed load").noneMatch(m -> m.contains("SEVERE"));
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    private static void assertSecurityHeaders(Api.Response r) {
        assertThat(r.header("Content-Security-Policy")).isEqualTo(SecurityHeaders.CSP);
        assertThat(r.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(r.header("Referrer-Policy")).isEqualTo("no-referrer");
        assertThat(r.header("Strict-Transport-Security")).contains("max-age=31536000");
    }

    private static Set<String> expected403(Route route) {
        Set<String> codes = new TreeSet<>(Set.of("insufficient_scope"));
        if (!route.roles().equals(Set.of(Role.values()))) {
            codes.add("forbidden");
        }
        if (!route.beforeMfa()) {
            codes.add("mfa_enrollment_required");
        }
        return codes;
    }

    /** {@code METHOD /path} of every operation in the document. */
    private static Set<String> operations(JsonNode doc) {
        Set<String> out = new TreeSet<>();
        doc.get("paths").properties().forEach(p -> p.getValue().propertyNames().stream()
                .filter(m -> Set.of("get", "put", "post", "delete", "patch", "head", "options").contains(m))
                .forEach(m -> out.add(m.toUpperCase() + " " + p.getKey())));
        return out;
    }

    /** The error codes a response shows as examples. */
    private static Set<String> codes(JsonNode responses, String status) {
        JsonNode response = responses.get(status);
        if (response == null || !response.has("content")) {
            return Set.of();
        }
        JsonNode examples = response.get("content").get("application/json").get("examples");
        return examples == null ? Set.of() : new TreeSet<>(examples.propertyNames());
    }

    private static List<String> strings(JsonNode array) {
        return array == null ? null : StreamSupport.stream(array.spliterator(), false).map(JsonNode::asString).collect(Collectors.toList());
    }

    private static void check(List<String> wrong, String operation, String what, Object actual, Object expected) {
        if (!java.util.Objects.equals(actual, expected)) {
            wrong.add(operation + " " + what + ": expected " + expected + ", got " + actual);
        }
    }
}
