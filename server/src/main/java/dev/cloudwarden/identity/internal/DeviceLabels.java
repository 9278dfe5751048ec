package dev.cloudwarden.identity.internal;

import java.util.List;

/**
 * A short label of the browser and system a sign-in came from ("Chrome 131 on Linux", "Safari 17 on
 * iPhone"), read from its {@code User-Agent}, for the owner's list of sessions. Only names from the
 * lists below and a major version of at most four digits make up a label: nothing the client wrote is
 * echoed. Anything not recognised is "Unknown browser". A label helps someone recognise their own
 * devices; it proves nothing (any client can send any header).
 */
final class DeviceLabels {

    static final String UNKNOWN = "Unknown browser";

    /** Enough for every real browser's header; the rest is not read. */
    private static final int MAX_INPUT = 512;

    /** A product token and the browser it names. */
    private record Browser(String token, String name) {
    }

    /**
     * The first token present names the browser. Browsers built on Chrome also send {@code Chrome/}, and
     * most send {@code Safari/}: their own tokens come first. Safari is last, found by {@code Version/}.
     */
    private static final List<Browser> BROWSERS = List.of(
            new Browser("Edg/", "Edge"), new Browser("EdgA/", "Edge"), new Browser("EdgiOS/", "Edge"), new Browser("Edge/", "Edge"),
            new Browser("OPR/", "Opera"), new Browser("SamsungBrowser/", "Samsung Internet"),
            new Browser("FxiOS/", "Firefox"), new Browser("Firefox/", "Firefox"),
            new Browser("CriOS/", "Chrome"), new Browser("HeadlessChrome/", "Chrome"), new Browser("Chrome/", "Chrome"),
            new Browser("Version/", "Safari"));

    /** A word in the header and the system it names; the first present wins (an iPhone's header says "like Mac OS X"). */
    private static final List<List<String>> SYSTEMS = List.of(
            List.of("iPhone", "iPhone"), List.of("iPad", "iPad"), List.of("Android", "Android"), List.of("CrOS", "ChromeOS"),
            List.of("Windows", "Windows"), List.of("Macintosh", "macOS"), List.of("Mac OS X", "macOS"), List.of("Linux", "Linux"));

    private DeviceLabels() {
    }

    static String of(String userAgent) {
        if (userAgent == null || userAgent.isBlank()) {
            return UNKNOWN;
        }
        String header = userAgent.length() > MAX_INPUT ? userAgent.substring(0, MAX_INPUT) : userAgent;
        for (Browser browser : BROWSERS) {
            int at = tokenAt(header, browser.token());
            if (at < 0 || (browser.name().equals("Safari") && tokenAt(header, "Safari/") < 0)) {
                continue;
            }
            String version = majorVersion(header, at + browser.token().length());
            String system = system(header);
            return browser.name() + (version.isEmpty() ? "" : " " + version) + (system == null ? "" : " on " + system);
        }
        return UNKNOWN;
    }

    /** Where a product token starts, as a token of its own (at the start or after a space or parenthesis), or -1. */
    private static int tokenAt(String header, String token) {
        for (int at = header.indexOf(token); at >= 0; at = header.indexOf(token, at + 1)) {
            if (at == 0 || " ()".indexOf(header.charAt(at - 1)) >= 0) {
                return at;
            }
        }
        return -1;
    }

    /** The digits right after a token's slash, at most four of them ("131.0.6778.85" gives "131"); empty without any. */
    private static String majorVersion(String header, int from) {
        int end = from;
        while (end < header.length() && end - from <= 4 && isDigit(header.charAt(end))) {
            end++;
        }
        return end - from > 4 ? "" : header.substring(from, end);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static String system(String header) {
        for (List<String> system : SYSTEMS) {
            if (header.contains(system.get(0))) {
                return system.get(1);
            }
        }
        return null;
    }
}
