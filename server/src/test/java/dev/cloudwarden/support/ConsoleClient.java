package dev.cloudwarden.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A console user: an {@link Api} client that keeps its cookies, submits forms with the CSRF token
 * of the page they came from, and remembers the last session cookie the server set.
 */
public final class ConsoleClient {

    public static final String COOKIE = "__Host-cloudwarden";
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

    private final Api api;
    private final String userAgent;
    private String sessionCookie;

    public ConsoleClient(int port) {
        this(port, null, null);
    }

    /**
     * A browser on a machine of its own: its connections come from {@code localAddress} (null: the
     * default), and it sends {@code userAgent} (null: the HTTP client's own).
     */
    public ConsoleClient(int port, java.net.InetAddress localAddress, String userAgent) {
        this.api = new Api(port, true, localAddress);
        this.userAgent = userAgent;
    }

    public Api.Response get(String path) {
        return remember(api.send(request(path).GET().build()));
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder request = api.request(path, null);
        return userAgent == null ? request : request.header("User-Agent", userAgent);
    }

    /** Loads {@code page}, takes its CSRF token and posts {@code fields} to {@code action}. */
    public Api.Response submit(String page, String action, Map<String, ?> fields) {
        Api.Response form = get(page);
        assertThat(form.status()).as("GET " + page).isEqualTo(200);
        return post(action, fields, csrf(form.body()));
    }

    /** Posts a form with the given CSRF token (null: none). Values may be lists (repeated fields). */
    public Api.Response post(String action, Map<String, ?> fields, String csrf) {
        Map<String, Object> all = new LinkedHashMap<>(fields);
        if (csrf != null) {
            all.put("_csrf", csrf);
        }
        return remember(api.send(request(action).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(all))).build()));
    }

    /** Signs in through the login form; asserts that it worked. */
    public ConsoleClient signIn(String email, String password) {
        Api.Response login = submit("/login", "/login", Map.of("email", email, "password", password));
        assertThat(login.status()).isEqualTo(302);
        assertThat(login.header("Location")).as("signed in").endsWith("/console");
        return this;
    }

    /** The value of the last session cookie the server set for this browser. */
    public String sessionCookie() {
        return sessionCookie;
    }

    public static String csrf(String page) {
        Matcher m = CSRF.matcher(page);
        assertThat(m.find()).as("CSRF token on the page").isTrue();
        return m.group(1);
    }

    /** A request from a client that has nothing but this cookie (another machine, another node). */
    public static Api.Response getWithCookie(Api client, String path, String cookieValue) {
        return client.send(client.request(path, null).header("Cookie", COOKIE + "=" + cookieValue).GET().build());
    }

    private Api.Response remember(Api.Response response) {
        response.headers().allValues("Set-Cookie").stream()
                .filter(c -> c.startsWith(COOKIE + "="))
                .forEach(c -> sessionCookie = c.substring(COOKIE.length() + 1, c.indexOf(';') < 0 ? c.length() : c.indexOf(';')));
        return response;
    }

    private static String form(Map<String, Object> fields) {
        return fields.entrySet().stream()
                .flatMap(e -> (e.getValue() instanceof Iterable<?> values
                        ? java.util.stream.StreamSupport.stream(values.spliterator(), false)
                        : java.util.stream.Stream.of(e.getValue()))
                        .map(v -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(String.valueOf(v), StandardCharsets.UTF_8)))
                .collect(Collectors.joining("&"));
    }
}
