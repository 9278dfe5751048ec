package dev.cloudwarden.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driven through its chromedriver (no driver or browser download).
 * The browser accepts the server's self-signed development certificate; TLS itself is tested
 * elsewhere against the exact certificate. On a failed test a screenshot lands in target/screenshots.
 */
public final class Browser implements AutoCloseable {

    static final Path CHROMIUM = Path.of(System.getProperty("cloudwarden.test.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("cloudwarden.test.chromedriver", "/usr/bin/chromedriver"));

    private final WebDriver driver;
    private final String base;

    public Browser(int port) {
        this(port, new String[0]);
    }

    /** With more Chromium switches, e.g. {@code --user-agent=...} to play another browser. */
    public Browser(int port, String... arguments) {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new IllegalStateException("Browser tests need Debian's chromium and chromium-driver (apt-get install chromium chromium-driver); "
                    + "looked for " + CHROMIUM + " and " + CHROMEDRIVER);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,1000");
        options.addArguments(arguments);
        options.setAcceptInsecureCerts(true);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL); // the page's console, where CSP violations are reported
        options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        this.driver = new ChromeDriver(service, options);
        this.driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        this.base = "https://localhost:" + port;
    }

    public WebDriver driver() {
        return driver;
    }

    public void open(String path) {
        driver.get(base + path);
    }

    public void open(String path, String fragment) {
        driver.get(base + path + "#" + fragment);
    }

    public WebElement find(String css) {
        return new WebDriverWait(driver, Duration.ofSeconds(10)).until(d -> d.findElement(By.cssSelector(css)));
    }

    public void type(String css, String text) {
        WebElement field = find(css);
        field.clear();
        field.sendKeys(text);
    }

    /** Submits a form and waits until the browser has left that page (the redirect after POST has landed). */
    public void submit(String formCss) {
        WebElement button = find(formCss + " button[type=submit]");
        button.click();
        new WebDriverWait(driver, Duration.ofSeconds(15)).until(d -> replaced(button));
    }

    /** Clicks something that navigates, and waits until the new page has replaced the old one. */
    public void clickAndWait(String css) {
        WebElement element = find(css);
        element.click();
        new WebDriverWait(driver, Duration.ofSeconds(15)).until(d -> replaced(element));
    }

    /**
     * Whether the page holding {@code element} has been replaced. Mid-navigation ChromeDriver may
     * answer "does not belong to the document" instead of a stale reference: the same fact.
     */
    private static boolean replaced(WebElement element) {
        try {
            element.isEnabled();
            return false;
        } catch (org.openqa.selenium.StaleElementReferenceException e) {
            return true;
        } catch (org.openqa.selenium.WebDriverException e) {
            if (e.getMessage() != null && e.getMessage().contains("does not belong to the document")) {
                return true;
            }
            throw e;
        }
    }

    /** Clicks a button whose form asks first (data-confirm), answers the question, and waits for the next page if it was yes. */
    public String confirm(String css, boolean yes) {
        WebElement element = find(css);
        element.click();
        org.openqa.selenium.Alert alert = new WebDriverWait(driver, Duration.ofSeconds(10))
                .until(org.openqa.selenium.support.ui.ExpectedConditions.alertIsPresent());
        String question = alert.getText();
        if (yes) {
            alert.accept();
            new WebDriverWait(driver, Duration.ofSeconds(15)).until(d -> replaced(element));
        } else {
            alert.dismiss();
        }
        return question;
    }

    /** Signs out as a person does: the account menu in the header, then its "Sign out". */
    public void signOut() {
        if (!find("#sign-out").isDisplayed()) {
            find("#user-menu summary").click();
        }
        clickAndWait("#sign-out");
    }

    public String path() {
        return java.net.URI.create(driver.getCurrentUrl()).getPath();
    }

    public String text() {
        return driver.findElement(By.tagName("body")).getText();
    }

    /** What the pages wrote to the browser console since the last call (errors, CSP violations, ...). */
    public List<String> consoleMessages() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream().map(LogEntry::toString).toList();
    }

    /** The whole page, not only the window: the window grows to the page's height (at most 8000 px) for the picture. */
    public void screenshot(String name) {
        org.openqa.selenium.Dimension window = driver.manage().window().getSize();
        try {
            Path dir = Path.of("target", "screenshots");
            Files.createDirectories(dir);
            long page = ((Number) ((org.openqa.selenium.JavascriptExecutor) driver)
                    .executeScript("return document.documentElement.scrollHeight")).longValue();
            int chrome = window.getHeight() - ((Number) ((org.openqa.selenium.JavascriptExecutor) driver)
                    .executeScript("return window.innerHeight")).intValue();
            driver.manage().window().setSize(new org.openqa.selenium.Dimension(window.getWidth(), (int) Math.min(8000, page + chrome)));
            Files.write(dir.resolve(name.replaceAll("[^A-Za-z0-9._-]", "_") + ".png"), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
        } catch (IOException | RuntimeException e) {
            System.err.println("could not save a screenshot: " + e.getMessage());
        } finally {
            driver.manage().window().setSize(window);
        }
    }

    @Override
    public void close() {
        driver.quit();
    }

    /** Saves a screenshot of the open browser when a test fails; the test class exposes it as {@code browser}. */
    public static final class ScreenshotOnFailure implements AfterTestExecutionCallback {
        // runs before @AfterEach methods, while the browser is still open
        @Override
        public void afterTestExecution(ExtensionContext context) {
            if (context.getExecutionException().isEmpty()) {
                return;
            }
            context.getTestInstance().ifPresent(instance -> {
                if (instance instanceof BrowserTest test) {
                    test.browser.screenshot("FAILED-" + context.getDisplayName());
                    return;
                }
                try {
                    java.lang.reflect.Field field = instance.getClass().getDeclaredField("browser");
                    field.setAccessible(true);
                    if (field.get(instance) instanceof Browser browser) {
                        browser.screenshot("FAILED-" + context.getDisplayName());
                    }
                } catch (ReflectiveOperationException e) {
                    // no browser field: nothing to capture
                }
            });
        }
    }
}
