package dev.cloudwarden.common;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The two filters of a console list: a part of a name (any case) and one state of the list's own. Refused whole,
 * never half-applied, when the state is not one of them or the name too long: the page then says so in its own words.
 */
public record NameAndState(String name, String state) {

    public static final int MAX_NAME = 100;

    public static Optional<NameAndState> of(String name, String state, List<String> states) {
        String n = name == null ? "" : name.strip();
        String s = state == null ? "" : state;
        if (n.length() > MAX_NAME || !s.isEmpty() && !states.contains(s)) {
            return Optional.empty();
        }
        return Optional.of(new NameAndState(n, s));
    }

    public static NameAndState none() {
        return new NameAndState("", "");
    }

    public boolean matches(String itemName, String itemState) {
        return (name.isEmpty() || itemName.toLowerCase(Locale.ROOT).contains(name.toLowerCase(Locale.ROOT)))
                && (state.isEmpty() || state.equals(itemState));
    }

    public boolean any() {
        return !name.isEmpty() || !state.isEmpty();
    }

    /** As the query of the page links ({@link ListPage}) and the form's values. */
    public Map<String, String> query() {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("q", name);
        query.put("state", state);
        return query;
    }
}
