package dev.cloudwarden.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console driven as someone without a mouse does: Tab moves the focus, Enter and Space act, keys type. Each
 * focused element must show that it has the focus (an outline the page's style draws for :focus-visible).
 */
public final class Keyboard {

    /** Far more stops than any console page has before its content ends. */
    private static final int MAX_TABS = 120;

    private final WebDriver driver;

    public Keyboard(Browser browser) {
        this.driver = browser.driver();
    }

    /** Tabs forward until {@code css} has the focus, and checks that the focus shows; fails if Tab never gets there. */
    public WebElement tabTo(String css) {
        WebElement target = driver.findElement(org.openqa.selenium.By.cssSelector(css));
        for (int i = 0; i <= MAX_TABS; i++) {
            if (target.equals(driver.switchTo().activeElement())) {
                assertThat(focusShows(target)).as("a visible focus on " + css).isTrue();
                return target;
            }
            new Actions(driver).sendKeys(Keys.TAB).perform();
        }
        throw new AssertionError("Tab never reached " + css + " in " + MAX_TABS + " stops");
    }

    /** Tabs to a field and types into it, replacing what it held. */
    public void fill(String css, String text) {
        tabTo(css);
        new Actions(driver).keyDown(Keys.CONTROL).sendKeys("a").keyUp(Keys.CONTROL).sendKeys(Keys.DELETE).sendKeys(text).perform();
    }

    /** Tabs to a link or button and presses Enter, then waits until the next page has replaced this one. */
    public void enter(String css) {
        WebElement element = tabTo(css);
        new Actions(driver).sendKeys(Keys.ENTER).perform();
        waitForNextPage(element);
    }

    /**
     * Chooses a radio button as the keyboard does: Tab enters the group at its checked button, the arrow keys move
     * the choice along it.
     */
    public void choose(String name, String value) {
        tabTo("input[type=radio][name='" + name + "']:checked");
        String wanted = "input[type=radio][name='" + name + "'][value='" + value + "']";
        WebElement target = driver.findElement(org.openqa.selenium.By.cssSelector(wanted));
        for (int i = 0; i < 20 && !target.isSelected(); i++) {
            new Actions(driver).sendKeys(Keys.ARROW_DOWN).perform();
        }
        assertThat(target.isSelected()).as("the arrow keys reach " + wanted).isTrue();
        assertThat(focusShows(target)).as("a visible focus on " + wanted).isTrue();
    }

    /** Enter on a button that asks first: the question is answered with Enter too (yes), and the next page awaited. */
    public String enterAndConfirm(String css) {
        WebElement element = tabTo(css);
        new Actions(driver).sendKeys(Keys.ENTER).perform();
        org.openqa.selenium.Alert alert = new WebDriverWait(driver, Duration.ofSeconds(10))
                .until(org.openqa.selenium.support.ui.ExpectedConditions.alertIsPresent());
        String question = alert.getText();
        alert.accept();
        waitForNextPage(element);
        return question;
    }

    private boolean focusShows(WebElement element) {
        Object shown = ((JavascriptExecutor) driver).executeScript("""
                const s = getComputedStyle(arguments[0]);
                return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';""", element);
        return Boolean.TRUE.equals(shown);
    }

    private void waitForNextPage(WebElement element) {
        new WebDriverWait(driver, Duration.ofSeconds(30)).until(d -> {
            try {
                element.isEnabled();
                return false;
            } catch (org.openqa.selenium.WebDriverException gone) {
                return true; // stale, or "does not belong to the document" mid-navigation
            }
        });
    }
}
