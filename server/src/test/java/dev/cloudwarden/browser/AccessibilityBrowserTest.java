package dev.cloudwarden.browser;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.operator.internal.TestOperators;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.BrowserTest;
import dev.cloudwarden.support.TestTotp;
import dev.cloudwarden.support.TestUsers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;

/**
 * axe-core (the npm package, from the test classpath) run on every main page of the console and of the operators'
 * console, at desktop and at phone width: no critical, serious or moderate violation anywhere. The minor ones are counted into
 * {@code target/accessibility.md} (docs/console.md records the figures). Each page is also kept as a screenshot in
 * {@code target/screenshots/}, after checking that it rendered its title and is no error page.
 */
class AccessibilityBrowserTest extends BrowserTest {

    private static final String AXE = "/META-INF/resources/webjars/axe-core/4.6.3/axe.min.js";
    private static final List<String> SIGNED_OUT = List.of("/login", "/signup", "/password-reset", "/invitations/accept", "/security-policy",
            "/security/report", "/ops/login", "/ops/enrol");
    private static final List<String> SIGNED_IN = List.of("/console", "/console/users", "/console/settings", "/console/sessions", "/console/tokens",
            "/console/cloud-accounts", "/console/cloud-accounts/setup", "/console/jobs", "/console/agents", "/console/activity",
            "/console/platform-access", "/mfa");
    /** The operators' console, signed in as a platform administrator (who sees every action). */
    private static final List<String> OPERATOR = List.of("/ops", "/ops/access-requests", "/ops/security-reports", "/ops/tombstones");

    @Autowired
    ApplicationContext context;

    /** Operator sign-in moves the clock a TOTP step each time: the next test starts from the wall clock again. */
    @AfterEach
    void wallClock() {
        clock.reset();
    }

    private static String axe() throws IOException {
        try (InputStream in = AccessibilityBrowserTest.class.getResourceAsStream(AXE)) {
            assertThat(in).as("axe-core on the test classpath").isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The violations axe finds on the open page, as "impact rule (nodes)". */
    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> violations(String axe) {
        JavascriptExecutor js = (JavascriptExecutor) browser.driver();
        js.executeScript(axe);
        Object result = js.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map(v =>
                    ({id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help,
                      targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))).catch(e => done([{id: 'axe-error', impact: 'critical', nodes: 0, help: String(e)}]));""");
        return (List<Map<String, Object>>) result;
    }

    @Test
    void noPageHasAModerateOrWorseViolationAtDesktopOrPhoneWidth() throws Exception {
        String axe = axe();
        Api.Tenant t = api.signUpAndSignIn("Accessibility Org");
        TestUsers.add(t, "VIEWER");
        api.post("/api/v1/users", Map.of("email", Api.uniqueEmail("pending"), "role", "OPERATOR"), t.token()); // a pending invitation
        api.post("/api/v1/agents/enrollment-tokens", "", t.token());
        TestOperators.Operator admin = TestOperators.create(context, api, clock, "PLATFORM_ADMIN");
        browser.driver().manage().timeouts().scriptTimeout(java.time.Duration.ofSeconds(60));

        List<String> serious = new ArrayList<>();
        Map<String, Integer> minor = new TreeMap<>();
        for (Dimension size : List.of(new Dimension(1280, 1000), new Dimension(390, 844))) {
            browser.driver().manage().window().setSize(size);
            List<String> pages = new ArrayList<>(SIGNED_OUT);
            pages.addAll(SIGNED_IN);
            pages.addAll(OPERATOR);
            for (String page : pages) {
                if (page.equals(SIGNED_IN.get(0))) {
                    signIn(t.email());
                }
                if (page.equals(OPERATOR.get(0))) {
                    browser.signOut();
                    browser.open("/ops/login");
                    browser.type("#email", admin.email());
                    browser.type("#password", TestOperators.PASSWORD);
                    browser.type("#otp", TestTotp.code(admin.secret(), clock.nextTotpStep()));
                    browser.submit("#login-form");
                }
                browser.open(page);
                String title = browser.driver().getTitle();
                assertThat(title).as(page + " rendered its title").endsWith("· Cloudwarden").doesNotContain("Error", "404", "403");
                assertThat(browser.find("main h1").getText()).as(page).isNotBlank();
                browser.screenshot("page-" + size.getWidth() + page.replace('/', '-'));
                for (Map<String, Object> v : violations(axe)) {
                    String impact = String.valueOf(v.get("impact"));
                    String line = size.getWidth() + "px " + page + ": " + impact + " " + v.get("id") + " (" + v.get("nodes") + ") " + v.get("help")
                            + " " + v.get("targets");
                    if (!impact.equals("minor")) {
                        serious.add(line);
                    } else {
                        minor.merge(impact + " `" + v.get("id") + "` " + size.getWidth() + "px " + page, ((Number) v.get("nodes")).intValue(),
                                Integer::sum);
                    }
                }
            }
            browser.submit("#logout-form");
        }
        StringBuilder report = new StringBuilder("# axe-core on the console (" + (SIGNED_OUT.size() + SIGNED_IN.size() + OPERATOR.size())
                + " pages, 1280 px and 390 px)\n\n| impact, rule, width and page | elements |\n|---|---|\n");
        minor.forEach((rule, count) -> report.append("| ").append(rule).append(" | ").append(count).append(" |\n"));
        Files.writeString(Path.of("target", "accessibility.md"), report);
        assertThat(serious).as("critical, serious or moderate accessibility violations").isEmpty();
    }

}
