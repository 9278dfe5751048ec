package dev.cloudwarden.identity.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloudwarden.common.ApiProblem;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Mail work after the answer is bounded: two at a time, a short queue, then 503 for everyone alike. */
class BackgroundMailTest {

    @Test
    void pastItsQueueItRefusesWith503AndRetryAfter() throws Exception {
        BackgroundMail background = new BackgroundMail();
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger done = new AtomicInteger();
        try {
            for (int i = 0; i < BackgroundMail.THREADS + BackgroundMail.QUEUE; i++) {
                background.submit("test", () -> {
                    try {
                        release.await();
                        done.incrementAndGet();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            assertThatThrownBy(() -> background.submit("test", done::incrementAndGet))
                    .isInstanceOfSatisfying(ApiProblem.class, p -> {
                        assertThat(p.status().value()).isEqualTo(503);
                        assertThat(p.code()).isEqualTo("unavailable");
                        assertThat(p.retryAfter()).isNotNull();
                    });
        } finally {
            release.countDown();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (done.get() < BackgroundMail.THREADS + BackgroundMail.QUEUE && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(done.get()).as("every queued piece of work ran, the refused one did not").isEqualTo(BackgroundMail.THREADS + BackgroundMail.QUEUE);
        background.destroy();
    }
}
