package dev.cloudwarden.activity;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The catalogue in docs/activity.md and the {@link Action} enum say the same, both ways: every action
 * with its log and its clear detail keys, nothing more, nothing less.
 */
class ActivityCatalogueTest {

    static final Path DOC = Path.of("..", "docs", "activity.md");

    /** One documented row: the action, its log and its clear keys. */
    record Row(String log, Set<String> clearKeys) {
    }

    @Test
    void theDocumentedCatalogueIsTheActionEnum() throws Exception {
        Map<String, Row> documented = documented(Files.readString(DOC));
        Map<String, Row> declared = new TreeMap<>();
        for (Action action : Action.values()) {
            declared.put(action.id(), new Row(action.log().name().toLowerCase(Locale.ROOT), action.clearKeys()));
        }
        assertThat(documented.keySet()).as("documented in docs/activity.md but not in Action").isSubsetOf(declared.keySet());
        assertThat(declared.keySet()).as("in Action but not documented in docs/activity.md").isSubsetOf(documented.keySet());
        assertThat(documented).as("log and clear details of each action").isEqualTo(declared);
    }

    @Test
    void actionNamesAreUniqueAndWellFormed() {
        assertThat(Arrays.stream(Action.values()).map(Action::id).distinct().count()).isEqualTo(Action.values().length);
        for (Action action : Action.values()) {
            // the form the database's CHECK on activity_events.action accepts
            assertThat(action.id()).matches("[a-z][a-z_]*(\\.[a-z][a-z_]*)+");
            assertThat(action.log() == Action.Log.PLATFORM).as(action.id()).isEqualTo(action.id().startsWith("platform."));
        }
    }

    /** The rows of the table under "## Catalogue": {@code | `action` | log | when | `key` (values), `key` |}. */
    static Map<String, Row> documented(String doc) {
        int start = doc.indexOf("\n## Catalogue\n");
        assertThat(start).as("docs/activity.md has a ## Catalogue section").isNotNegative();
        int next = doc.indexOf("\n## ", start + 1);
        String section = next < 0 ? doc.substring(start) : doc.substring(start, next);
        Pattern row = Pattern.compile("^\\| `([^`]+)` \\| ([a-z]+) \\| [^|]+ \\| ([^|]+) \\|$", Pattern.MULTILINE);
        Pattern key = Pattern.compile("`([a-z][a-z0-9_]*)`");
        Map<String, Row> rows = new TreeMap<>();
        Matcher m = row.matcher(section);
        while (m.find()) {
            String keysCell = m.group(3).replaceAll("\\([^)]*\\)", ""); // drop "(values ...)" before reading the keys
            Set<String> keys = key.matcher(keysCell).results().map(r -> r.group(1)).collect(Collectors.toSet());
            Row previous = rows.put(m.group(1), new Row(m.group(2), keys));
            assertThat(previous).as("documented once: " + m.group(1)).isNull();
        }
        assertThat(rows).as("the catalogue table has rows").isNotEmpty();
        return rows;
    }
}
