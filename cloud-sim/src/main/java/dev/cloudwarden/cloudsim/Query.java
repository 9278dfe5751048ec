package dev.cloudwarden.cloudsim;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parameters of an AWS Query request (form body), with the protocol's flattened lists:
 * {@code InstanceId.1}, {@code Filter.1.Name}, {@code Filter.1.Value.1}, {@code Tag.1.Key}.
 * Lists are numbered from 1 and end at the first missing index, as the SDKs write them.
 */
record Query(Map<String, String> params) {

    static Query parse(String body) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            params.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                    eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return new Query(params);
    }

    String get(String name) {
        return params.get(name);
    }

    String action() {
        return params.getOrDefault("Action", "");
    }

    /** {@code prefix.1}, {@code prefix.2}, … */
    List<String> list(String prefix) {
        List<String> values = new ArrayList<>();
        for (int i = 1; params.containsKey(prefix + "." + i); i++) {
            values.add(params.get(prefix + "." + i));
        }
        return values;
    }

    /** The sub-parameters of each {@code prefix.N}: {@code Filter.1.Name} becomes {@code Name} of the first. */
    List<Query> structs(String prefix) {
        List<Query> out = new ArrayList<>();
        for (int i = 1; ; i++) {
            String head = prefix + "." + i + ".";
            Map<String, String> sub = new LinkedHashMap<>();
            params.forEach((k, v) -> {
                if (k.startsWith(head)) {
                    sub.put(k.substring(head.length()), v);
                }
            });
            if (sub.isEmpty()) {
                return out;
            }
            out.add(new Query(sub));
        }
    }

    /** {@code Tag.N.Key}/{@code Tag.N.Value} pairs, in order. */
    Map<String, String> tags(String prefix) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (Query tag : structs(prefix)) {
            tags.put(tag.get("Key"), tag.params().getOrDefault("Value", ""));
        }
        return tags;
    }
}
