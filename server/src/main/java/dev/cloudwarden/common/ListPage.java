package dev.cloudwarden.common;

import java.util.List;
import java.util.Map;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * One page of a console list, and the links to the pages around it with the list's filters kept. A tenant's lists are
 * bounded (its jobs, accounts, agents, people and invitations; one person's live sessions and tokens), so they are
 * read whole and cut here ({@link #of}). The operators' lists are bounded by no tenant (every tenant, every tenant's
 * access requests): they count in SQL and read one page at an offset ({@link #read}). The activity history pages in
 * SQL with a cursor of its own.
 *
 * @param previous the address of the page before, or null
 * @param next     the address of the page after, or null
 */
public record ListPage<T>(List<T> items, int page, int pages, int total, String previous, String next) {

    public static final int SIZE = 25;
    private static final String PAGE_NUMBER = "[0-9]{1,6}";

    /**
     * The page {@code requested} (a number from 1; anything else, or beyond the end, is the nearest page there is) of
     * {@code all}, with links to {@code path} and the non-empty {@code filters} as its query.
     */
    public static <T> ListPage<T> of(List<T> all, String requested, String path, Map<String, String> filters) {
        return of(all, requested, path, filters, "page");
    }

    /** The same, for a second list on one page: its page number travels as {@code pageParameter}. */
    public static <T> ListPage<T> of(List<T> all, String requested, String path, Map<String, String> filters, String pageParameter) {
        int page = number(requested, all.size());
        return page(all.subList((page - 1) * SIZE, Math.min(all.size(), page * SIZE)), page, all.size(), path, filters, pageParameter);
    }

    /** Reads one page's rows, given how many ({@code limit}) and after how many ({@code offset}). */
    @FunctionalInterface
    public interface Rows<T> {
        List<T> read(int limit, int offset);
    }

    /**
     * The page {@code requested} of a list paged in SQL, of {@code total} items counted there: only the rows of that
     * page (or of the nearest there is) are read. Count and rows are two queries; the caller runs them in one
     * transaction if a row added in between matters.
     */
    public static <T> ListPage<T> read(String requested, long total, Rows<T> rows, String path, Map<String, String> filters) {
        int count = (int) Math.min(total, Integer.MAX_VALUE);
        int page = number(requested, count);
        List<T> items = count == 0 ? List.of() : rows.read(SIZE, (page - 1) * SIZE);
        return page(items, page, count, path, filters, "page");
    }

    /** A requested page number as the links may carry it: the number, or null when it is none. */
    public static String number(String requested) {
        return requested != null && requested.matches(PAGE_NUMBER) ? requested : null;
    }

    /** The page to show of {@code total} items: {@code requested} (a number from 1), or the nearest page there is. */
    private static int number(String requested, int total) {
        int pages = pages(total);
        if (number(requested) != null) {
            return Math.min(pages, Math.max(1, Integer.parseInt(requested)));
        }
        return 1;
    }

    private static int pages(int total) {
        return Math.max(1, (total + SIZE - 1) / SIZE);
    }

    private static <T> ListPage<T> page(List<T> items, int page, int total, String path, Map<String, String> filters, String pageParameter) {
        int pages = pages(total);
        return new ListPage<>(List.copyOf(items), page, pages, total,
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
