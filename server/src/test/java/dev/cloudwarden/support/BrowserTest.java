package dev.cloudwarden.support;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/** A test that drives the console in a real headless Chromium, one per test, against the test server; a failure leaves a screenshot. */
@ExtendWith(Browser.ScreenshotOnFailure.class)
public abstract class BrowserTest extends IntegrationTest {

    protected Browser browser;

    @BeforeEach
    void openBrowser() {
        browser = new Browser(port);
    }

    @AfterEach
    void closeBrowser() {
        browser.close();
    }

    /** Signs in through the console's sign-in form. */
    protected void signIn(String email, String password) {
        browser.open("/login");
        browser.type("#email", email);
        browser.type("#password", password);
        browser.submit("#login-form");
    }

    protected void signIn(String email) {
        signIn(email, Api.PASSWORD);
    }
}
