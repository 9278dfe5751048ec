package dev.cloudwarden.common;

import java.util.List;
import java.util.Map;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * One page of a console list, and the links to the pages around it with the list's filters kept. The lists it pages
 * are bounded (a tenant's jobs, accounts, agents, people and invitations; one person's live sessions and tokens), so they are read whole and cut here; the activity history,
 * which is not bounded, pages in SQL with a cursor of its own.
 *
 * @param previous the address of the page before, or null
 * @param next     the address of the page after, or null
 */
public record ListPage<T>(List<T> items, int page, int pages, int total, String previous, String next) {

    public static final int SIZE = 25;

    /**
     * The page {@code requested} (a number from 1; anything else, or beyond the end, is the nearest page there is) of
     * {@code all}, with links to {@code path} and the non-empty {@code filters} as its query.
     */
    public static <T> ListPage<T> of(List<T> all, String requested, String path, Map<String, String> filters) {
        return of(all, requested, path, filters, "page");
    }

    /** The same, for a second list on one page: its page number travels as {@code pageParameter}. */
    public static <T> ListPage<T> of(List<T> all, String requested, String path, Map<String, String> filters, String pageParameter) {
        int pages = Math.max(1, (all.size() + SIZE - 1) / SIZE);
        int page = 1;
        if (requested != null && requested.matches("[0-9]{1,6}")) {
            page = Math.min(pages, Math.max(1, Integer.parseInt(requested)));
        }
        List<T> items = all.subList((page - 1) * SIZE, Math.min(all.size(), page * SIZE));
        return new ListPage<>(List.copyOf(items), page, pages, all.size(),
                page > 1 ? link(path, filters, pageParameter, page - 1) : null,
                page < pages ? link(path, filters, pageParameter, page + 1) : null);
    }

    /** Values go in as URI variables, so that encode() escapes everything of theirs, '&' and '=' too. */
    private static String link(String path, Map<String, String> filters, String pageParameter, int page) {
        UriComponentsBuilder link = UriComponentsBuilder.fromPath(path);
        Map<String, Object> values = new java.util.HashMap<>();
        filters.forEach((name, value) -> {
            if (value != null && !value.isBlank()) {
                link.queryParam(name, "{" + name + "}");
                values.put(name, value);
            }
        });
        values.put(pageParameter, page);
        return link.queryParam(pageParameter, "{" + pageParameter + "}").encode().buildAndExpand(values).toUriString();
    }
}
