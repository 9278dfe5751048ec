package dev.cloudwarden.web.internal;

import dev.cloudwarden.web.Routes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.http.HttpMethod;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * Refuses to start when a controller serves a route the route table ({@link Routes}) does not
 * declare with exactly its method and path: such a route would get no rate limit, no token scope
 * and only the catch-all "signed in" rule, so a forgotten line fails the start, not the review.
 */
@Component
@ConditionalOnWebApplication
class RouteTableCheck implements SmartInitializingSingleton {

    private final RequestMappingHandlerMapping mappings;

    RouteTableCheck(@Qualifier("requestMappingHandlerMapping") RequestMappingHandlerMapping mappings) {
        this.mappings = mappings;
    }

    @Override
    public void afterSingletonsInstantiated() {
        List<String> missing = undeclared(mappings);
        if (!missing.isEmpty()) {
            throw new IllegalStateException("Routes served but not declared in web.Routes: " + missing);
        }
    }

    /** Every {@code METHOD path} a controller serves that has no entry of its own in the table. */
    static List<String> undeclared(RequestMappingHandlerMapping mappings) {
        List<String> missing = new ArrayList<>();
        mappings.getHandlerMethods().keySet().forEach(info -> {
            Set<RequestMethod> methods = info.getMethodsCondition().getMethods();
            for (String path : info.getPatternValues()) {
                if (methods.isEmpty()) {
                    if (!declared(null, path)) {
                        missing.add("* " + path);
                    }
                }
                for (RequestMethod method : methods) {
                    if (!declared(method.asHttpMethod(), path)) {
                        missing.add(method + " " + path);
                    }
                }
            }
        });
        return missing;
    }

    private static boolean declared(HttpMethod method, String path) {
        return Routes.ALL.stream().anyMatch(r -> r.path().equals(path) && (r.method() == null || r.method().equals(method)));
    }
}
