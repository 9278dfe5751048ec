package dev.cloudwarden.web.internal;

import dev.cloudwarden.identity.Role;
import dev.cloudwarden.operator.OperatorRole;
import dev.cloudwarden.web.Route;
import dev.cloudwarden.web.Routes;
import java.util.stream.Collectors;

/** The route table as the markdown block docs/permissions.md shows (PermissionMatrixTest keeps them equal). */
final class RouteTableDoc {

    static final String BEGIN = "<!-- route table: generated from web/Routes.java, checked by PermissionMatrixTest -->";
    static final String END = "<!-- end of route table -->";

    private RouteTableDoc() {
    }

    static String render() {
        StringBuilder out = new StringBuilder(BEGIN).append("\n\n### Signed in\n\n")
                .append("| route | OWNER | ADMIN | OPERATOR | VIEWER | token scope | rate limit | before MFA enrolment |\n")
                .append("|-------|-------|-------|----------|--------|-------------|------------|----------------------|\n");
        for (Route route : Routes.ALL) {
            if (route.isPublic() || route.isOps()) {
                continue;
            }
            out.append("| `").append(route).append("` |");
            for (Role role : Role.values()) {
                out.append(route.roles().contains(role) ? " yes |" : " no |");
            }
            out.append(' ').append(route.scope().map(s -> s.value()).orElse("none")).append(" | ")
                    .append(route.limit().map(RouteTableDoc::name).orElse("-")).append(" | ")
                    .append(route.beforeMfa() ? "yes" : "no").append(" |\n");
        }
        out.append("\n### Platform operators (`/ops`; no tenant user ever)\n\n")
                .append("| route | PLATFORM_ADMIN | SUPPORT | grant scope | rate limit |\n")
                .append("|-------|----------------|---------|-------------|------------|\n");
        for (Route route : Routes.ALL) {
            if (route.isPublic() || !route.isOps()) {
                continue;
            }
            out.append("| `").append(route).append("` |");
            for (OperatorRole role : OperatorRole.values()) {
                out.append(route.staff().contains(role) ? " yes |" : " no |");
            }
            out.append(' ').append(route.grantScope().map(s -> s.value()).orElse("-")).append(" | ")
                    .append(route.limit().map(RouteTableDoc::name).orElse("-")).append(" |\n");
        }
        out.append("\n### Public (no sign-in)\n\n")
                .append("| route | rate limit |\n")
                .append("|-------|------------|\n");
        Routes.ALL.stream().filter(Route::isPublic)
                .forEach(r -> out.append("| `").append(r).append("` | ").append(r.limit().map(RouteTableDoc::name).orElse("-")).append(" |\n"));
        return out.append('\n').append(END).toString();
    }

    private static String name(Enum<?> value) {
        return value.name().toLowerCase().replace('_', '-');
    }
}
