package dev.cloudwarden.identity.internal;

import dev.cloudwarden.common.ApiProblem;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Work whose outcome the caller must not see, done after the answer: a sign-up or a password-reset
 * request answers the same whether the address has an account, so the lookup, the hashing and the
 * mail happen here. Bounded on both sides (two threads, a short queue): a flood of requests costs at
 * most that much memory and mail, and past it the caller gets 503 — for every address alike, so the
 * refusal tells nothing either.
 */
@Component
class BackgroundMail implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(BackgroundMail.class);
    static final int THREADS = 2;
    static final int QUEUE = 100;

    private final ThreadPoolExecutor executor = new ThreadPoolExecutor(THREADS, THREADS, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUE), Thread.ofVirtual().name("background-mail-", 0).factory());

    /** Queues {@code work}; 503 {@code unavailable} when the queue is full. Failures are logged by kind only. */
    void submit(String what, Runnable work) {
        try {
            executor.execute(() -> {
                try {
                    work.run();
                } catch (RuntimeException e) {
                    log.warn("A {} could not be completed ({})", what, e.getClass().getSimpleName());
                }
            });
        } catch (RejectedExecutionException e) {
            throw ApiProblem.unavailable("The server is busy sending mail. Try again in a minute.", Duration.ofSeconds(60));
        }
    }

    @Override
    public void destroy() {
        executor.shutdown();
    }
}
