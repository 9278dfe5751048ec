package dev.cloudwarden.web.internal;

import dev.cloudwarden.abuse.RateLimiter;
import dev.cloudwarden.common.ReturnPaths;
import dev.cloudwarden.identity.CloudwardenPrincipal;
import dev.cloudwarden.identity.IdentityWeb;
import dev.cloudwarden.identity.Role;
import dev.cloudwarden.operator.OperatorRole;
import dev.cloudwarden.operator.OperatorWeb;
import dev.cloudwarden.tenancy.TenantContext;
import dev.cloudwarden.tenancy.TenantScopeFilter;
import dev.cloudwarden.web.ApiError;
import dev.cloudwarden.web.Route;
import dev.cloudwarden.web.Routes;
import java.util.List;
import java.util.Optional;
import org.apache.catalina.core.StandardHost;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AuthorizeHttpRequestsConfigurer;
import org.springframework.security.config.annotation.web.configurers.HeadersConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.access.ExceptionTranslationFilter;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;
import org.springframework.security.web.csrf.CookieCsrfTokenRepository;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.context.SecurityContextHolderFilter;
import org.springframework.security.web.header.HeaderWriterFilter;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * The security filter chains, wired from the route table ({@link Routes}): who may call what, the
 * per-address rate limits, the token scopes and the MFA enrolment gate all read their facts there.
 * Six chains: the platform operators' console and API under {@code /ops} (their own sessions, never a
 * tenant user's), the JSON API (bearer tokens, no cookies, no CSRF surface), the host agents' signed API, the public well-known
 * files, actuator (management port) and the console (form sign-in, CSRF on every form). Every chain
 * sends the same strict security headers.
 *
 * <p>When a tenant requires MFA, a user without it is signed in but confined, on the API and in the
 * console, to the routes marked {@code beforeMfaEnrollment} until they have enrolled
 * ({@link MfaEnrollmentGate}, which runs before the role rules).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication // command-line runs (keys rotate-kek) start no web server
class SecurityConfiguration {

    /** What a user may call before the MFA enrolment their tenant requires (an allowlist: it fails closed). */
    private static final RequestMatcher BEFORE_MFA_ENROLLMENT = request -> Routes.find(request).map(Route::beforeMfa).orElse(false);

    private final RateLimitFilter rateLimit;

    // The body limit is not in these chains: it is the first servlet filter of all (RequestBodyLimitConfiguration).
    SecurityConfiguration(ErrorResponses errors, RateLimiter rateLimiter) {
        // Inside every chain, after the header writer, so even a 429 carries the security headers; it runs
        // before CSRF, authentication and body parsing.
        this.rateLimit = new RateLimitFilter(rateLimiter, errors);
    }

    /**
     * The operators' console and API. Sessions are operator sessions only (bearer tokens on {@code /ops/api},
     * the {@code __Host-cloudwarden-ops} cookie on pages; a tenant user's session or token signs in nobody
     * here). The console's forms carry a CSRF token checked against a cookie of its own. A route that reads a
     * tenant's data passes the grant gate, which the route table's grant scope drives.
     */
    @Bean
    @Order(0)
    SecurityFilterChain ops(HttpSecurity http, OperatorWeb operators, ErrorResponses errors) throws Exception {
        AuthenticationEntryPoint unauthorized = (request, response, e) -> {
            if (isOpsApi(request)) {
                errors.write(response, 401, new ApiError("unauthorized",
                        "Sign in as an operator with POST /ops/api/v1/sessions and send Authorization: Bearer <token>."));
            } else {
                response.sendRedirect(request.getContextPath() + "/ops/login");
            }
        };
        AccessDeniedHandler forbidden = (request, response, e) -> {
            if (isOpsApi(request)) {
                errors.write(response, 403, new ApiError("forbidden", "Your operator role does not allow this."));
            } else {
                response.sendError(403);
            }
        };
        OperatorWeb.Refusal notFound = (request, response) -> {
            if (isOpsApi(request)) {
                errors.write(response, 404, new ApiError("not_found", "No such resource."));
            } else {
                response.sendError(404);
            }
        };
        CookieCsrfTokenRepository csrf = new CookieCsrfTokenRepository();
        csrf.setCookieName("__Host-cloudwarden-ops-csrf");
        csrf.setCookiePath("/");
        csrf.setCookieCustomizer(cookie -> cookie.secure(true).httpOnly(true).sameSite("Strict"));
        List<Route> routes = Routes.ALL.stream().filter(Route::isOps).toList();
        http.securityMatcher(new org.springframework.security.web.util.matcher.OrRequestMatcher(
                        PathPatternRequestMatcher.withDefaults().matcher(Route.OPS), PathPatternRequestMatcher.withDefaults().matcher(Route.OPS + "/**")))
                // no cookie authenticates /ops/api (bearer tokens only), so it has no CSRF surface
                .csrf(c -> c.csrfTokenRepository(csrf).ignoringRequestMatchers(SecurityConfiguration::isOpsApi))
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(cache -> cache.disable())
                .formLogin(form -> form.disable())
                .httpBasic(basic -> basic.disable())
                .logout(logout -> logout.disable())
                .anonymous(Customizer.withDefaults())
                .exceptionHandling(e -> e.authenticationEntryPoint(unauthorized).accessDeniedHandler(forbidden))
                .authorizeHttpRequests(a -> authorizeOperators(a, routes))
                .addFilterAt(operators.authentication(unauthorized), BasicAuthenticationFilter.class)
                .addFilterAfter(operators.grantGate(SecurityConfiguration::grantedRead, notFound), AuthorizationFilter.class)
                .headers(SecurityConfiguration::headers)
                .addFilterAfter(rateLimit, HeaderWriterFilter.class);
        return http.build();
    }

    private static boolean isOpsApi(jakarta.servlet.http.HttpServletRequest request) {
        return OperatorWeb.isApi(request);
    }

    /** The tenant read a request makes, as its route declares it: the grant scope and the path's {tenantId}. */
    private static Optional<OperatorWeb.GrantedRead> grantedRead(jakarta.servlet.http.HttpServletRequest request) {
        return Routes.find(request).flatMap(route -> route.grantScope().map(scope -> new OperatorWeb.GrantedRead(scope,
                route.matcher().matcher(request).getVariables().get("tenantId"), route.toString())));
    }

    @Bean
    @Order(1)
    SecurityFilterChain api(HttpSecurity http, IdentityWeb identity, TenantContext tenants, ErrorResponses errors) throws Exception {
        AuthenticationEntryPoint unauthorized = (request, response, e) -> errors.write(response, 401,
                new ApiError("unauthorized", "Sign in and send Authorization: Bearer <token>."));
        AccessDeniedHandler forbidden = (request, response, e) -> errors.write(response, 403,
                new ApiError("forbidden", "Your role does not allow this."));
        AccessDeniedHandler outsideScopes = (request, response, e) -> errors.write(response, 403,
                new ApiError("insufficient_scope", "This personal access token's scopes do not allow this request."));
        http.securityMatcher("/api/**")
                .csrf(csrf -> csrf.disable()) // no cookies are read on /api: a cross-site request carries no credential
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(cache -> cache.disable())
                .formLogin(form -> form.disable())
                .httpBasic(basic -> basic.disable())
                .logout(logout -> logout.disable())
                .anonymous(Customizer.withDefaults())
                .exceptionHandling(e -> e.authenticationEntryPoint(unauthorized).accessDeniedHandler(forbidden))
                .authorizeHttpRequests(a -> authorize(a, Routes.under("/api/")))
                .addFilterAt(identity.bearerTokens(unauthorized, outsideScopes, request -> Routes.find(request).flatMap(Route::scope)),
                        BasicAuthenticationFilter.class)
                // the session's principal carries the tenant policy as of this request
                .addFilterBefore(new MfaEnrollmentGate(BEFORE_MFA_ENROLLMENT, CloudwardenPrincipal::mfaEnrollmentRequired,
                        (request, response) -> errors.write(response, 403, new ApiError("mfa_enrollment_required",
                                "Your organisation requires multi-factor authentication: enrol with POST /api/v1/mfa/totp first."))),
                        ExceptionTranslationFilter.class)
                .addFilterAfter(new TenantScopeFilter(tenants), AuthorizationFilter.class)
                .headers(SecurityConfiguration::headers)
                .addFilterAfter(rateLimit, HeaderWriterFilter.class);
        return http.build();
    }

    /**
     * The host agents' API: no cookies, no sessions, no CSRF surface. Enrolment takes a single-use token; every
     * other call is a request signed by the agent's own key, which the agent gateway verifies first. Only the
     * routes the table declares are served.
     */
    @Bean
    @Order(2)
    SecurityFilterChain agentApi(HttpSecurity http) throws Exception {
        http.securityMatcher("/agent/**")
                .csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(cache -> cache.disable())
                .formLogin(form -> form.disable())
                .httpBasic(basic -> basic.disable())
                .logout(logout -> logout.disable())
                .authorizeHttpRequests(a -> {
                    Routes.under("/agent/").forEach(route -> a.requestMatchers(route.matcher()).permitAll());
                    a.anyRequest().denyAll();
                })
                .headers(SecurityConfiguration::headers)
                .addFilterAfter(rateLimit, HeaderWriterFilter.class);
        return http.build();
    }

    @Bean
    @Order(3)
    SecurityFilterChain wellKnown(HttpSecurity http) throws Exception {
        http.securityMatcher("/.well-known/**")
                .csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(cache -> cache.disable())
                .authorizeHttpRequests(a -> a.anyRequest().permitAll())
                .headers(SecurityConfiguration::headers);
        return http.build();
    }

    /** Actuator: served only on the management port (localhost by default); health and metrics, nothing else. */
    @Bean
    @Order(4)
    SecurityFilterChain actuator(HttpSecurity http) throws Exception {
        http.securityMatcher("/actuator/**")
                .csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(cache -> cache.disable())
                .authorizeHttpRequests(a -> a
                        .requestMatchers("/actuator/health", "/actuator/prometheus").permitAll()
                        .anyRequest().denyAll())
                .headers(SecurityConfiguration::headers);
        return http.build();
    }

    @Bean
    @Order(5)
    SecurityFilterChain console(HttpSecurity http, TenantContext tenants, IdentityWeb identity) throws Exception {
        // Sessions live in PostgreSQL (Spring Session), so nothing secret may enter one. The failure
        // handler (identity's second-factor step) keeps only the ids of a user halfway through MFA, never the
        // AuthenticationException, which would carry the attempted password. The request cache would
        // keep a refused request's headers, an Authorization header included: off (sign-in always
        // leads to /console anyway).
        http.authorizeHttpRequests(a -> authorize(a, Routes.ALL.stream().filter(r -> !r.path().startsWith("/api/") && !r.isOps()).toList()))
                // a right password for an account with MFA is a "failure" that leads to the code step (/login/mfa)
                .formLogin(form -> form.loginPage("/login").usernameParameter("email").passwordParameter("password")
                        .successHandler(identity.consoleSignInSuccess()).failureHandler(identity.consoleSignInFailure()).permitAll())
                // the tenant policy and the user's MFA state as of now: identity.consolePrincipal() loaded the principal
                .addFilterBefore(new MfaEnrollmentGate(BEFORE_MFA_ENROLLMENT, CloudwardenPrincipal::mfaEnrollmentRequired,
                        (request, response) -> response.sendRedirect(request.getContextPath() + "/mfa")),
                        ExceptionTranslationFilter.class)
                // identity's step ends the stored session and records it, before the session is invalidated
                .logout(logout -> logout.logoutUrl("/logout").addLogoutHandler(identity.consoleSignOut()).logoutSuccessUrl("/login?signedOut"))
                // a page opened before signing in is where sign-in returns to (a console page only: common.ReturnPaths)
                .exceptionHandling(e -> e.authenticationEntryPoint((request, response, denied) -> {
                    String next = "GET".equals(request.getMethod()) ? ReturnPaths.parameter(request.getRequestURI()) : "";
                    response.sendRedirect(request.getContextPath() + "/login" + (next.isEmpty() ? "" : "?" + next));
                }))
                .sessionManagement(s -> s.sessionFixation(f -> f.changeSessionId()))
                .requestCache(cache -> cache.disable())
                .addFilterBefore(identity.consoleSessionLifetime(), SecurityContextHolderFilter.class)
                // the session holds ids only: the user as stored now, for every filter and page after this one
                .addFilterAfter(identity.consolePrincipal(), SecurityContextHolderFilter.class)
                .addFilterAfter(new TenantScopeFilter(tenants), AuthorizationFilter.class)
                .headers(SecurityConfiguration::headers)
                .addFilterAfter(rateLimit, HeaderWriterFilter.class);
        return http.build();
    }

    /** Each route of the table as the table says: public, or the roles it names; anything else needs a signed-in user. */
    private static void authorize(AuthorizeHttpRequestsConfigurer<HttpSecurity>.AuthorizationManagerRequestMatcherRegistry rules,
                                  List<Route> routes) {
        for (Route route : routes) {
            if (route.isPublic()) {
                rules.requestMatchers(route.matcher()).permitAll();
            } else {
                rules.requestMatchers(route.matcher()).hasAnyRole(route.roles().stream().map(Role::name).toArray(String[]::new));
            }
        }
        rules.anyRequest().authenticated();
    }

    /** Each operators' route as the table says: public, or the operator roles it names; anything else needs a signed-in operator. */
    private static void authorizeOperators(AuthorizeHttpRequestsConfigurer<HttpSecurity>.AuthorizationManagerRequestMatcherRegistry rules,
                                           List<Route> routes) {
        for (Route route : routes) {
            if (route.isPublic()) {
                rules.requestMatchers(route.matcher()).permitAll();
            } else {
                rules.requestMatchers(route.matcher()).hasAnyAuthority(route.staff().stream().map(OperatorRole::authority).toArray(String[]::new));
            }
        }
        rules.anyRequest().hasAnyAuthority(java.util.Arrays.stream(OperatorRole.values()).map(OperatorRole::authority).toArray(String[]::new));
    }

    /** Tomcat's own error page (for requests refused before any filter) answers in JSON too. */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> jsonContainerErrors() {
        return factory -> factory.addContextCustomizers(context -> {
            if (context.getParent() instanceof StandardHost host) {
                host.setErrorReportValveClass(JsonErrorReportValve.class.getName());
            }
        });
    }

    /** The headers are declared once, in SecurityHeaders, which the error page writes too. */
    private static void headers(HeadersConfigurer<HttpSecurity> headers) {
        headers.defaultsDisabled();
        SecurityHeaders.writers().forEach(headers::addHeaderWriter);
    }
}
