package dev.cloudwarden.cloud.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A job's slots in its own time zone, across daylight-saving changes (docs/jobs.md). */
class JobSchedulesTest {

    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    private static JobRows.Job job(String schedule, String zone, boolean paused) {
        return new JobRows.Job(UUID.randomUUID(), "j", UUID.randomUUID(), "inventory_sync", schedule, zone, Map.of(), paused, Instant.EPOCH,
                Instant.EPOCH);
    }

    /** Every slot from the start of {@code from} to the start of {@code to}, in the zone. */
    private static List<Instant> slots(JobRows.Job job, LocalDate from, LocalDate to) {
        List<Instant> out = new ArrayList<>();
        Instant end = to.atStartOfDay(BERLIN).toInstant();
        Optional<Instant> next = JobSchedules.next(job, from.atStartOfDay(BERLIN).toInstant().minusSeconds(1));
        while (next.isPresent() && next.get().isBefore(end)) {
            out.add(next.get());
            next = JobSchedules.next(job, next.get());
        }
        return out;
    }

    @Test
    void aSlotInTheSkippedHourRunsOnceAfterTheGapAndOneInTheRepeatedHourRunsOnce() {
        JobRows.Job at0230 = job("30 2 * * *", "Europe/Berlin", false);
        // 2027-03-28: Berlin's clocks go from 02:00 to 03:00
        List<Instant> spring = slots(at0230, LocalDate.of(2027, 3, 27), LocalDate.of(2027, 3, 30));
        assertThat(spring).hasSize(3);
        assertThat(spring.get(0)).isEqualTo(Instant.parse("2027-03-27T01:30:00Z")); // 02:30 CET
        assertThat(spring.get(1).atZone(BERLIN).toLocalDate()).isEqualTo(LocalDate.of(2027, 3, 28));
        assertThat(spring.get(1)).isEqualTo(Instant.parse("2027-03-28T01:30:00Z")); // 03:30 CEST: once, moved by the gap
        assertThat(spring.get(2)).isEqualTo(Instant.parse("2027-03-29T00:30:00Z")); // 02:30 CEST
        assertThat(spring).as("each is recognised as the job's slot when it executes").allMatch(i -> JobSchedules.isSlot(at0230, i));
        assertThat(JobSchedules.isSlot(at0230, Instant.parse("2027-03-28T01:00:00Z"))).isFalse(); // 03:00 CEST: not a slot
        // 2027-10-31: 03:00 goes back to 02:00, so 02:30 happens twice; the job runs once
        List<Instant> autumn = slots(at0230, LocalDate.of(2027, 10, 30), LocalDate.of(2027, 11, 2));
        assertThat(autumn).hasSize(3);
        assertThat(autumn.get(1)).isEqualTo(Instant.parse("2027-10-31T00:30:00Z")); // the first 02:30 (CEST)
        assertThat(JobSchedules.isSlot(at0230, Instant.parse("2027-10-31T01:30:00Z"))).as("not the second 02:30 (CET)").isFalse();
    }

    @Test
    void weekdaySlotsFollowTheZoneNotUtcAndAPausedOrUnscheduledJobHasNone() {
        JobRows.Job stop = job("0 19 * * 1-5", "Europe/Berlin", false);
        List<Instant> week = slots(stop, LocalDate.of(2027, 3, 22), LocalDate.of(2027, 3, 29)); // Monday to Monday
        assertThat(week).hasSize(5);
        assertThat(week).allSatisfy(i -> assertThat(i.atZone(BERLIN).getHour()).isEqualTo(19));
        assertThat(week.get(0)).isEqualTo(Instant.parse("2027-03-22T18:00:00Z"));
        assertThat(JobSchedules.isSlot(stop, week.get(2))).isTrue();
        assertThat(JobSchedules.isSlot(stop, week.get(2).plusSeconds(60))).isFalse();
        assertThat(JobSchedules.next(job("0 19 * * 1-5", "Europe/Berlin", true), Instant.EPOCH)).isEmpty();
        assertThat(JobSchedules.next(job(null, null, false), Instant.EPOCH)).isEmpty();
    }
}
