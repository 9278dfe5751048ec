package dev.cloudwarden.common;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where sign-in may return someone who opened a console page before signing in: that page's path, and only a
 * console page below {@code /console} (no other host, scheme, query or dot segment), so the parameter that
 * carries it ({@code next}) can never send anyone elsewhere.
 */
public final class ReturnPaths {

    private static final Pattern CONSOLE_PAGE = Pattern.compile("/console(/(?!\\.)[A-Za-z0-9_~.-]{1,80}){1,4}");

    private ReturnPaths() {
    }

    public static Optional<String> consolePage(String path) {
        return path != null && CONSOLE_PAGE.matcher(path).matches() ? Optional.of(path) : Optional.empty();
    }

    /** {@code next=<path>} for a query, or empty when {@code path} is not a console page. */
    public static String parameter(String path) {
        return consolePage(path).map(p -> "next=" + URLEncoder.encode(p, StandardCharsets.UTF_8)).orElse("");
    }
}
