package dev.cloudwarden.identity.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** The labels of the sessions page, from User-Agent headers that real browsers send. */
class DeviceLabelsTest {

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', textBlock = """
            Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 | Chrome 131 on Linux
            Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 | Chrome 131 on Windows
            Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 | Chrome 131 on macOS
            Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 | Chrome 131 on Android
            Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 | Chrome 131 on ChromeOS
            Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.6778.85 Safari/537.36 | Chrome 131 on Linux
            Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1 | Chrome 131 on iPhone
            Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0 | Firefox 133 on Windows
            Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0 | Firefox 133 on Linux
            Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0 | Firefox 133 on Android
            Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15 | Firefox 133 on iPhone
            Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1 | Safari 17 on iPhone
            Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1 | Safari 17 on iPad
            Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15 | Safari 18 on macOS
            Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0 | Edge 131 on Windows
            Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 EdgA/131.0.0.0 | Edge 131 on Android
            Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0 | Opera 115 on Windows
            Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36 | Samsung Internet 26 on Android
            Firefox/133.0 | Firefox 133
            """)
    void realBrowsersGetAShortLabel(String userAgent, String label) {
        assertThat(DeviceLabels.of(userAgent)).isEqualTo(label);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   ", "curl/8.5.0", "Java-http-client/25", "python-requests/2.32.3", "Mozilla/5.0 (compatible)",
            "Safari/605.1.15", "NotChrome/131.0", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"})
    void anythingElseIsAnUnknownBrowser(String userAgent) {
        assertThat(DeviceLabels.of(userAgent)).isEqualTo("Unknown browser");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Chrome/<script>alert(1)</script> (Windows)", "Chrome/131<img src=x> on Linux", "Firefox/99999999.0 (Linux)",
            "Chrome/\u0661\u0663\u0661 (Linux)"})
    void nothingTheClientWroteIsEchoedBeyondAShortVersion(String userAgent) {
        String label = DeviceLabels.of(userAgent);
        assertThat(label).matches("(Chrome|Firefox)( [0-9]{1,4})?( on (Windows|Linux))?").doesNotContain("<").doesNotContain("9999");
    }

    @ParameterizedTest
    @ValueSource(ints = {513, 10_000})
    void onlyTheStartOfAnOverlongHeaderIsRead(int length) {
        String padded = "Mozilla/5.0 (X11; Linux x86_64) " + "x".repeat(length) + " Chrome/131.0.0.0";
        assertThat(DeviceLabels.of(padded)).isEqualTo("Unknown browser");
        assertThat(DeviceLabels.of("Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 " + "x".repeat(length))).isEqualTo("Chrome 131 on Linux");
    }
}
