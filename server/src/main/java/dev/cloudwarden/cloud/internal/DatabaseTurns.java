package dev.cloudwarden.cloud.internal;

import dev.cloudwarden.tenancy.DatabaseSettings;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;

/**
 * The database transactions of background work (inventory syncs, job runs) take turns: a quarter of
 * the connection pool at most, so however many runs are under way, requests always find a connection
 * within the pool's wait.
 */
@Component
class DatabaseTurns {

    private final Semaphore turns;

    DatabaseTurns(DatabaseSettings database) {
        this.turns = new Semaphore(Math.max(1, database.poolSize() / 4), true);
    }

    <T> T inTurn(Supplier<T> work) {
        turns.acquireUninterruptibly();
        try {
            return work.get();
        } finally {
            turns.release();
        }
    }
}
