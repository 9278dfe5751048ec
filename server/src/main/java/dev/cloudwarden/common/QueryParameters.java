package dev.cloudwarden.common;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.springframework.util.MultiValueMap;

/** A list endpoint's query: only known parameters, each given once (a repeated one is refused, not half-read). */
public final class QueryParameters {

    private QueryParameters() {
    }

    /** The parameters by name; 400 naming an unknown or repeated one ({@code usage} lists the known ones in words). */
    public static Map<String, String> of(MultiValueMap<String, String> query, Set<String> known, String usage) {
        Map<String, String> params = new HashMap<>();
        query.forEach((name, values) -> {
            String field = known.contains(name) || name.length() <= 40 && name.matches("[A-Za-z0-9_.-]+") ? name : "query";
            if (!known.contains(name)) {
                throw ApiProblem.invalid(field, "unknown parameter; use " + usage);
            }
            if (values.size() != 1) {
                throw ApiProblem.invalid(field, "give each parameter once");
            }
            params.put(name, values.get(0));
        });
        return params;
    }
}
