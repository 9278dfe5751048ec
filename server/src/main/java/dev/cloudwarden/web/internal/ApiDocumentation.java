package dev.cloudwarden.web.internal;

import dev.cloudwarden.abuse.RateLimit;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.identity.Role;
import dev.cloudwarden.identity.TokenScope;
import dev.cloudwarden.web.ApiError;
import dev.cloudwarden.web.Route;
import dev.cloudwarden.web.Routes;
import io.swagger.v3.core.converter.AnnotatedType;
import io.swagger.v3.core.converter.ModelConverter;
import io.swagger.v3.core.converter.ModelConverterContext;
import io.swagger.v3.core.util.Json;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.examples.Example;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.JsonSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.servers.Server;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI 3.1 document of the JSON API ({@code GET /v3/api-docs}, springdoc). springdoc reads the
 * controllers (paths, parameters, bodies, success answers); this class adds what the route table
 * ({@link Routes}) knows and the controllers do not say: who may call each operation, the personal
 * access token scope it needs, its rate limit, whether the MFA enrolment gate lets it through, and
 * the error answers those facts imply. Nothing here declares a role or a scope: it only reads them.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication
class ApiDocumentation {

    static final String BEARER = "bearer";
    static final String ERROR_SCHEMA = "ApiError";
    private static final String JSON = org.springframework.http.MediaType.APPLICATION_JSON_VALUE;
    /** An error code as descriptions name it: {@code `code`: what it means}. */
    private static final Pattern CODE = Pattern.compile("`([a-z][a-z_]*)`:");

    @Bean
    OpenAPI cloudwardenOpenApi() {
        return new OpenAPI()
                .info(new Info().title("Cloudwarden API").version("v1").description("""
                        The JSON API under `/api/v1`. Every error is `{"error","message","field"?}` with a stable \
                        `error` code. Each operation says who may call it (roles, or public), which personal access \
                        token scope it needs (`none`: no token may call it, sign in for a session token), the \
                        per-address rate limit it counts against and whether it is open before a required MFA \
                        enrolment; the same facts are in the `x-cloudwarden-*` fields. They are read from the \
                        server's route table, the one place they are declared (docs/permissions.md)."""))
                // relative: the document is served by the server it describes, whatever name a client used
                .servers(List.of(new Server().url("/")))
                .components(new Components()
                        .addSecuritySchemes(BEARER, new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")
                                .description("A session token (`cws_…`) from `POST /api/v1/sessions`, or a personal access "
                                        + "token (`cwpat_…`) where the operation names a token scope.")));
    }

    /** Every operation gets its route's facts; an operation without a route stops the document (RouteTableCheck stops the start first). */
    @Bean
    OpenApiCustomizer routeFacts() {
        return openApi -> {
            // added here, not in the OpenAPI bean: springdoc drops unreferenced schemas before customizers run
            openApi.getComponents().addSchemas(ERROR_SCHEMA, errorSchema());
            openApi.getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, operation) ->
                    describe(operation, route(method, path), operation.getRequestBody() != null)));
        };
    }

    /** {@code common.Secret} is a string in JSON; it is only ever read from requests (its own JSON form is redacted). */
    @Bean
    ModelConverter secretAsWriteOnlyString() {
        return new ModelConverter() {
            @Override
            public Schema<?> resolve(AnnotatedType type, ModelConverterContext context, Iterator<ModelConverter> chain) {
                if (Json.mapper().constructType(type.getType()).getRawClass() == Secret.class) {
                    return string().format("password").writeOnly(true);
                }
                return chain.hasNext() ? chain.next().resolve(type, context, chain) : null;
            }
        };
    }

    static Route route(PathItem.HttpMethod method, String path) {
        return Routes.ALL.stream()
                .filter(r -> r.path().equals(path) && r.method() != null && r.method().name().equals(method.name()))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("API document: " + method + " " + path + " is not in web.Routes"));
    }

    private static void describe(Operation operation, Route route, boolean hasBody) {
        List<String> roleNames = route.roles().stream().map(Role::name).toList();
        String roles = String.join(", ", roleNames);
        String scope = route.scope().map(TokenScope::value).orElse("none");
        String limit = route.limit().map(ApiDocumentation::limitName).orElse("none");
        operation.addExtension("x-cloudwarden-public", route.isPublic());
        operation.addExtension("x-cloudwarden-roles", roleNames);
        operation.addExtension("x-cloudwarden-token-scope", scope);
        operation.addExtension("x-cloudwarden-rate-limit", limit);
        operation.addExtension("x-cloudwarden-before-mfa-enrollment", route.beforeMfa());

        String facts = (route.isPublic() ? "**Public**: no sign-in needed." : "**Roles**: " + roles + ".")
                + (route.isPublic() ? "" : " **Personal access tokens**: "
                        + (route.scope().isPresent() ? "need scope `" + scope + "`." : "not accepted, sign in for a session token."))
                + " **Rate limit**: " + (route.limit().isPresent() ? "`" + limit + "`, per client address." : "none.")
                + (route.isPublic() ? "" : " **Before MFA enrolment**: " + (route.beforeMfa() ? "open." : "closed."));
        operation.setDescription(operation.getDescription() == null ? facts : operation.getDescription() + "\n\n" + facts);
        if (!route.isPublic()) {
            // OpenAPI 3.1 lets a bearer requirement name the roles it needs
            operation.setSecurity(List.of(new SecurityRequirement().addList(BEARER, roleNames)));
        }

        ApiResponses responses = operation.getResponses() == null ? new ApiResponses() : operation.getResponses();
        errorAnswers(route, hasBody).forEach((status, answer) -> {
            ApiResponse declared = responses.get(status);
            if (declared == null) {
                responses.addApiResponse(status, answer);
            } else { // a controller's own words about this status (its @ApiResponse) follow
                declared.setDescription(answer.getDescription() + " " + declared.getDescription());
                declared.setHeaders(answer.getHeaders());
            }
        });
        // every error has the one error body; each code a description names (`code`: ...) is an example
        responses.forEach((status, response) -> {
            if (status.matches("[45]\\d\\d")) {
                response.setContent(errorContent(CODE.matcher(response.getDescription()).results().map(m -> m.group(1)).distinct().toList()));
            }
        });
        operation.setResponses(responses);
    }

    /** The error answers a route's facts imply, by status. */
    static Map<String, ApiResponse> errorAnswers(Route route, boolean hasBody) {
        Map<String, ApiResponse> answers = new LinkedHashMap<>();
        if (hasBody) {
            answers.put("400", error("The request is not acceptable as sent.",
                    "validation_failed", "A field is missing, malformed or not allowed; `field` names it.",
                    "malformed_json", "The body is not JSON of the expected shape.",
                    "unknown_field", "The body has a field this operation does not know."));
        }
        if (!route.isPublic()) {
            answers.put("401", error("No valid credential.",
                    "unauthorized", "No `Authorization: Bearer` token, or one that is unknown, expired or revoked."));
            List<String> refusals = new ArrayList<>();
            if (!route.roles().equals(Set.of(Role.values()))) {
                refusals.addAll(List.of("forbidden", "Your role is not one of "
                        + route.roles().stream().map(Role::name).collect(Collectors.joining(", ")) + "."));
            }
            refusals.addAll(List.of("insufficient_scope", route.scope()
                    .map(s -> "A personal access token without the `" + s.value() + "` (or `write`) scope.")
                    .orElse("A personal access token: this operation takes a session token only.")));
            if (!route.beforeMfa()) {
                refusals.addAll(List.of("mfa_enrollment_required",
                        "Your organisation requires MFA and you have not enrolled yet (`POST /api/v1/mfa/totp`)."));
            }
            answers.put("403", error("Refused.", refusals.toArray(String[]::new)));
        }
        if (route.path().contains("{")) {
            answers.put("404", error("Not found.",
                    "not_found", "No such object in your organisation (unknown, another tenant's and malformed ids alike)."));
        }
        if (hasBody) {
            answers.put("413", error("The body is too large.",
                    "payload_too_large", "The body is larger than `cloudwarden.http.max-body-size` (64 KB by default)."));
            answers.put("415", error("Wrong content type.",
                    "unsupported_media_type", "Send the body as `application/json`."));
        }
        route.limit().ifPresent(limit -> answers.put("429", retryAfter(error("Too many requests.",
                "rate_limited", "Too many requests from your address for the `" + limitName(limit)
                        + "` limit; wait `Retry-After` seconds."))));
        answers.put("500", error("Something went wrong on our side.",
                "internal_error", "An unexpected failure; no details are given."));
        answers.put("503", retryAfter(error("Unavailable for a moment.",
                "unavailable", "A dependency (the database, the mail queue) cannot take the request now; "
                        + "try again after `Retry-After` seconds.")));
        return answers;
    }

    /** {@code SIGN_IN} as the settings name it: {@code sign-in} ({@code cloudwarden.rate-limits.sign-in}). */
    static String limitName(RateLimit limit) {
        return limit.name().toLowerCase().replace('_', '-');
    }

    /** An error answer whose description names each code: {@code error(summary, code, meaning, code, meaning, ...)}. */
    private static ApiResponse error(String summary, String... codesAndMeanings) {
        StringBuilder description = new StringBuilder(summary);
        for (int i = 0; i < codesAndMeanings.length; i += 2) {
            description.append(" `").append(codesAndMeanings[i]).append("`: ").append(codesAndMeanings[i + 1]);
        }
        return new ApiResponse().description(description.toString());
    }

    private static Content errorContent(List<String> codes) {
        MediaType json = new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + ERROR_SCHEMA));
        codes.forEach(code -> json.addExamples(code, new Example().value(example(code))));
        return new Content().addMediaType(JSON, json);
    }

    private static Map<String, String> example(String code) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("message", "…");
        if (code.equals("validation_failed")) {
            body.put("field", "email");
        }
        return body;
    }

    private static ApiResponse retryAfter(ApiResponse response) {
        return response.addHeaderObject("Retry-After", new Header().description("Seconds to wait before trying again.")
                .schema(new JsonSchema().typesItem("integer").minimum(java.math.BigDecimal.ONE)));
    }

    /** {@link ApiError}: the body of every error. */
    private static Schema<?> errorSchema() {
        List<String> required = new ArrayList<>(List.of("error", "message"));
        return new JsonSchema().typesItem("object")
                .description("The body of every error answer.")
                .addProperty("error", string().description("A stable code, e.g. `validation_failed`, `forbidden`, `rate_limited`."))
                .addProperty("message", string().description("For humans; never contains input values or secrets."))
                .addProperty("field", string().description("The request field at fault, when one is."))
                .required(required);
    }

    private static Schema<?> string() {
        return new JsonSchema().typesItem("string");
    }
}
