package dev.cloudwarden.overview.internal;

import dev.cloudwarden.cloud.CloudOverview;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Charts laid out on the server: the template draws each rectangle where this says, in an SVG of a fixed view box
 * that scales to the page. Every number is also in the chart's text alternative, so nothing is only a picture.
 */
final class Charts {

    static final int WIDTH = 600;
    static final int HEIGHT = 160;
    /** Room under the columns for the date labels. */
    private static final int AXIS = 20;
    static final int ROW = 28;
    /** Room left of the bars for the labels. */
    static final int LABEL = 140;
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("MMM d", Locale.ENGLISH);

    private Charts() {
    }

    /** One coloured part of a column: its CSS class says what it counts. */
    record Segment(String kind, long value, double y, double height) {
    }

    /**
     * A column of the day chart; {@code label} is set on the days that carry one under the axis, centred under
     * the column except the last, which ends at its right edge so that it stays inside the picture.
     */
    record Column(String day, String label, double x, double width, List<Segment> segments, String text) {
        public boolean last() {
            return label != null && x + width >= WIDTH - width;
        }
    }

    /** Job runs per day, succeeded stacked under failed, and the totals. */
    record Days(List<Column> columns, long max, long succeeded, long failed, int width, int height, int axisY) {
    }

    /** A horizontal bar with its label and value. */
    record Bar(String label, long value, double y, double width) {
    }

    record Bars(List<Bar> bars, long total, int width, int height) {
        /** The chart in words, its text alternative: "instance: 4, volume: 2". */
        public String text() {
            return String.join(", ", bars.stream().map(b -> b.label() + ": " + b.value()).toList());
        }
    }

    static Days days(List<CloudOverview.DayRuns> runs) {
        long max = Math.max(1, runs.stream().mapToLong(d -> d.succeeded() + d.failed()).max().orElse(0));
        double step = (double) WIDTH / Math.max(1, runs.size());
        double plot = HEIGHT - AXIS;
        List<Column> columns = new ArrayList<>(runs.size());
        long succeeded = 0;
        long failed = 0;
        for (int i = 0; i < runs.size(); i++) {
            CloudOverview.DayRuns d = runs.get(i);
            succeeded += d.succeeded();
            failed += d.failed();
            double okHeight = plot * d.succeeded() / max;
            double failedHeight = plot * d.failed() / max;
            List<Segment> segments = List.of(
                    new Segment("ok", d.succeeded(), plot - okHeight, okHeight),
                    new Segment("failed", d.failed(), plot - okHeight - failedHeight, failedHeight));
            boolean labelled = (runs.size() - 1 - i) % 7 == 0;
            String day = DAY.format(d.day());
            columns.add(new Column(d.day().toString(), labelled ? day : null, i * step + step * 0.15, step * 0.7, segments,
                    day + ": " + d.succeeded() + " succeeded, " + d.failed() + " failed"));
        }
        return new Days(columns, max, succeeded, failed, WIDTH, HEIGHT, (int) plot);
    }

    /** Bars for counts by name, largest first, each as long as its share of the largest. */
    static Bars bars(Map<String, Long> counts) {
        List<Map.Entry<String, Long>> sorted = counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey())).toList();
        long max = Math.max(1, sorted.stream().mapToLong(Map.Entry::getValue).max().orElse(0));
        List<Bar> bars = new ArrayList<>(sorted.size());
        for (int i = 0; i < sorted.size(); i++) {
            Map.Entry<String, Long> e = sorted.get(i);
            bars.add(new Bar(e.getKey(), e.getValue(), i * ROW, (WIDTH - LABEL - 50) * (double) e.getValue() / max));
        }
        return new Bars(bars, counts.values().stream().mapToLong(Long::longValue).sum(), WIDTH, Math.max(ROW, sorted.size() * ROW));
    }
}
