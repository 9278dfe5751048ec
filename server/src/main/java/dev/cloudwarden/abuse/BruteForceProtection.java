package dev.cloudwarden.abuse;

import dev.cloudwarden.abuse.BruteForceSettings.State;
import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.activity.Target;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.tenancy.TenantContext;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Per-account brute-force lockout for password sign-in, with the same behaviour for emails that
 * belong to no account, so a lockout never tells whether an account exists. The state lives in
 * PostgreSQL, so every node sees the same lock.
 *
 * <p>Use, for every password check of a sign-in:
 * <pre>{@code
 * try (BruteForceProtection.Attempt<UserRow> attempt = bruteForce.beginAttempt(userId, () -> users.find(userId))) {
 *     if (!hasher.matches(keys, password, attempt.read().passwordHash())) {
 *         attempt.failed();     // a wrong password: counted, may lock
 *         return invalid;
 *     }
 *     attempt.succeeded();      // the right password: the failures are forgotten
 * }
 * }</pre>
 * {@link #beginAttempt} (account found, its tenant in scope) or {@link #beginUnknownAttempt} (no
 * account; then always {@code failed()} after the dummy hash) must be called outside any transaction
 * and <em>before</em> the hash. While locked it throws a 429 {@code too_many_attempts} with
 * {@code Retry-After}, so no password hash is computed for anyone. Otherwise the attempt takes a
 * place <em>in flight</em>, under a row lock: only as many attempts run at once as failures are
 * still allowed ({@link BruteForceSettings#attemptsInFlightAllowed}), so parallel guesses cannot pass
 * the limit, while parallel right passwords all get in, taking turns. An attempt that finds no place
 * waits for one (another attempt finishing, here or on another node) at most
 * {@code cloudwarden.brute-force.in-flight-wait}, then gets a 503 {@code unavailable}.
 *
 * <p>Exactly one of {@link Attempt#failed()} or {@link Attempt#succeeded()} must follow once the
 * password was checked; {@link Attempt#close()} without either (an exception, or a 503 before any
 * hash was computed) gives the place back without counting anything. An attempt whose node dies
 * stops counting after {@code cloudwarden.brute-force.in-flight-lease}.
 */
@Component
public class BruteForceProtection {

    static final String CODE = "too_many_attempts";
    static final String MESSAGE = "Too many failed sign-in attempts. Try again later.";
    static final String BUSY = "Too many sign-in attempts for this account at once. Try again in a moment.";
    // attempts finishing on this node wake a waiting one at once; these polls only catch other nodes' (and leases ending)
    private static final Duration FIRST_POLL = Duration.ofMillis(50);
    private static final Duration LAST_POLL = Duration.ofMillis(250);

    private final BruteForceSettings settings;
    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final TenantContext tenants;
    private final EmailHashKey emailHashKey;
    private final ActivityLog activity;
    // Per account or email, this node's attempts beginning and in flight: a finished attempt wakes one
    // waiting attempt at once (more would only find the place taken); while attempts of other nodes
    // are in flight too, the waiting ones also poll.
    private final ReentrantLock turnLock = new ReentrantLock();
    private final Map<String, Turns> turns = new HashMap<>(); // guarded by turnLock

    BruteForceProtection(BruteForceSettings settings, JdbcClient jdbc, TransactionTemplate tx, TenantContext tenants,
                         EmailHashKey emailHashKey, ActivityLog activity) {
        this.activity = activity;
        this.settings = settings;
        this.jdbc = jdbc;
        this.tx = tx;
        this.tenants = tenants;
        this.emailHashKey = emailHashKey;
    }

    /** A password attempt for an existing user of the tenant in scope. Throws 429 while the account is locked. */
    public Attempt<Void> beginAttempt(UUID userId) {
        return beginAttempt(userId, () -> null);
    }

    /**
     * As {@link #beginAttempt(UUID)}, and runs {@code read} in the same transaction (of the tenant in
     * scope) once the attempt has its place, e.g. to read the user: one transaction less per sign-in.
     */
    public <T> Attempt<T> beginAttempt(UUID userId, Supplier<T> read) {
        return begin(new AccountStore(tenants.require(), userId), read);
    }

    /**
     * A password attempt for a well-formed email that belongs to no account. Throws 429 exactly when
     * an account with the same history of attempts would be locked, and waits like one.
     */
    public Attempt<Void> beginUnknownAttempt(String canonicalEmail) {
        return begin(new UnknownEmailStore(emailHashKey.hash(canonicalEmail)), () -> null);
    }

    /**
     * Forgets an account's failures and lifts its lockout (a password reset proved the owner's
     * mailbox); attempts in flight keep their places. Inside the caller's transaction, tenant in scope.
     */
    public void forgetFailures(UUID userId) {
        jdbc.sql("update login_failures set failures = 0, last_failure_at = null, locked_until = null where user_id = ?")
                .param(userId).update();
    }

    /**
     * One attempt in flight. Not thread-safe: one request uses it. Call {@link #failed} or
     * {@link #succeeded} once the password was checked, and close it (try-with-resources).
     */
    public final class Attempt<T> implements AutoCloseable {

        private final Store store;
        private final Instant lease;
        private final T read;
        private boolean done;

        private Attempt(Store store, Instant lease, T read) {
            this.store = store;
            this.lease = lease;
            this.read = read;
        }

        /** What the {@code read} given to {@link #beginAttempt(UUID, Supplier)} returned. */
        public T read() {
            return read;
        }

        /** The password was wrong (or the answer is "invalid credentials" for any other reason): one more failure. */
        public void failed() {
            finish(() -> store.update(row -> {
                State after = settings.afterFailure(row.state(), row.now());
                store.recordFailure(row.state(), after, row.now());
                return new Row(after, without(row.inFlight(), lease), row.now());
            }));
            store.afterFailure();
        }

        /** The password was right: the failures are forgotten. */
        public void succeeded() {
            finish(() -> store.succeeded(lease));
        }

        /** Gives the place back without counting anything, unless {@link #failed} or {@link #succeeded} was called. */
        @Override
        public void close() {
            if (!done) {
                finish(() -> store.release(lease));
            }
        }

        private void finish(Runnable write) {
            if (done) {
                throw new IllegalStateException("this sign-in attempt is already finished");
            }
            done = true;
            try {
                store.inTransaction(() -> {
                    write.run();
                    return null;
                });
            } finally {
                finished(store.key());
            }
        }
    }

    private <T> Attempt<T> begin(Store store, Supplier<T> read) {
        if (TransactionSynchronizationManager.isActualTransactionActive()) {
            // waiting for a place inside a transaction would hold the row lock the others need to finish
            throw new IllegalStateException("begin a sign-in attempt outside any transaction");
        }
        long deadline = System.nanoTime() + settings.inFlightWait().toNanos();
        Duration poll = FIRST_POLL;
        Turns here = register(store.key()); // before the first look, so no wake-up is missed between the two
        boolean placed = false;
        try {
            while (true) {
                long seen = here.wakeUps;
                Begun<T> begun = tryBegin(store, read);
                if (begun.locked() != null) {
                    wakeOne(store.key()); // the others waiting here are refused as well: let them see it now
                    throw ApiProblem.tooManyRequests(CODE, MESSAGE, begun.locked());
                }
                if (begun.lease() != null) {
                    claimed(here, begun.placesLeft() > 0);
                    placed = true;
                    return new Attempt<>(store, begun.lease(), begun.read());
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw ApiProblem.unavailable(BUSY, Duration.ofSeconds(1));
                }
                // when every attempt in flight runs on this node, its end wakes us: no need to poll
                boolean allHere = begun.inFlight() <= here.inFlightHere;
                awaitTurn(here, seen, allHere ? left : Math.min(left, poll.toNanos()));
                poll = poll.multipliedBy(2).compareTo(LAST_POLL) > 0 ? LAST_POLL : poll.multipliedBy(2);
            }
        } finally {
            unregister(store.key(), here, !placed);
        }
    }

    /** One look at the row: locked (the remaining wait), no place now, or a place taken (its lease). */
    private <T> Begun<T> tryBegin(Store store, Supplier<T> read) {
        return store.inTransaction(() -> {
            Row row = store.lock();
            if (row.state().lockedAt(row.now())) {
                return new Begun<T>(Duration.between(row.now(), row.state().lockedUntil()));
            }
            List<Instant> live = row.inFlight().stream().filter(row.now()::isBefore).collect(Collectors.toCollection(ArrayList::new));
            if (live.size() >= settings.attemptsInFlightAllowed(row.state(), row.now())) {
                return Begun.full(live.size()); // no place now: wait for one of those in flight to finish
            }
            Instant lease = row.now().plus(settings.inFlightLease());
            while (live.contains(lease)) {
                lease = lease.plusNanos(1_000); // unique within the row (PostgreSQL keeps microseconds)
            }
            live.add(lease);
            store.save(new Row(row.state(), live, row.now()));
            int placesLeft = settings.attemptsInFlightAllowed(row.state(), row.now()) - live.size();
            return new Begun<>(null, lease, read.get(), placesLeft, live.size());
        });
    }

    /**
     * One account's or email's attempts on this node: those beginning (waiting for a place or looking
     * for one), those in flight, and how often a place was reported free here.
     */
    private static final class Turns {
        final Condition turn;
        int beginning;
        volatile int inFlightHere; // written under turnLock
        volatile long wakeUps;     // written under turnLock

        Turns(Condition turn) {
            this.turn = turn;
        }
    }

    private Turns register(String key) {
        turnLock.lock();
        try {
            Turns t = turns.computeIfAbsent(key, k -> new Turns(turnLock.newCondition()));
            t.beginning++;
            return t;
        } finally {
            turnLock.unlock();
        }
    }

    /** Done beginning; one that leaves without a place passes on a wake-up it may have taken. */
    private void unregister(String key, Turns t, boolean passOn) {
        turnLock.lock();
        try {
            t.beginning--;
            if (passOn && t.beginning > 0) {
                t.wakeUps++;
                t.turn.signal();
            }
            forgetIfIdle(key, t);
        } finally {
            turnLock.unlock();
        }
    }

    /** This node took a place; if more are free, the next attempt waiting here may take one too. */
    private void claimed(Turns t, boolean morePlaces) {
        turnLock.lock();
        try {
            t.inFlightHere++;
            if (morePlaces) {
                t.wakeUps++;
                t.turn.signal();
            }
        } finally {
            turnLock.unlock();
        }
    }

    /** An attempt of this node finished: its place is free, one attempt waiting here looks (more would find it taken). */
    private void finished(String key) {
        turnLock.lock();
        try {
            Turns t = turns.get(key);
            if (t != null) {
                t.inFlightHere--;
                t.wakeUps++;
                t.turn.signal();
                forgetIfIdle(key, t);
            }
        } finally {
            turnLock.unlock();
        }
    }

    private void wakeOne(String key) {
        turnLock.lock();
        try {
            Turns t = turns.get(key);
            if (t != null) {
                t.wakeUps++;
                t.turn.signal();
            }
        } finally {
            turnLock.unlock();
        }
    }

    private void forgetIfIdle(String key, Turns t) {
        if (t.beginning == 0 && t.inFlightHere <= 0) {
            turns.remove(key, t);
        }
    }

    /** Sleeps until woken for {@code t} since {@code seen}, or at most {@code nanos} (then polls: other nodes wake no one here). */
    private void awaitTurn(Turns t, long seen, long nanos) {
        turnLock.lock();
        try {
            long left = nanos;
            while (t.wakeUps == seen && left > 0) {
                left = t.turn.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiProblem.unavailable(BUSY, Duration.ofSeconds(1));
        } finally {
            turnLock.unlock();
        }
    }

    private record Begun<T>(Duration locked, Instant lease, T read, int placesLeft, int inFlight) {
        Begun(Duration locked) {
            this(locked, null, null, 0, 0);
        }

        static <T> Begun<T> full(int inFlight) {
            return new Begun<>(null, null, null, 0, inFlight);
        }
    }

    /** A row-locked state, its attempts in flight (lease expiries) and the database's clock (one clock for every node). */
    private record Row(State state, List<Instant> inFlight, Instant now) {
    }

    /** One of the two stores of the same state. Every method but {@link #inTransaction} runs inside it. */
    private interface Store {
        /** Which account or email this is, for waking the attempts waiting on this node. */
        String key();

        <R> R inTransaction(Supplier<R> work);

        /** The row, locked until the transaction ends (created when missing). */
        Row lock();

        void save(Row row);

        /** Records a failed attempt (and a lockout it starts) in the activity history, in the transaction that counts it. */
        default void recordFailure(State before, State after, Instant now) {
        }

        /** What is recorded once that transaction has ended (and its connection and row lock are free). */
        default void afterFailure() {
        }

        default void update(java.util.function.UnaryOperator<Row> change) {
            save(change.apply(lock()));
        }

        default void succeeded(Instant lease) {
            update(row -> new Row(State.CLEAN, without(row.inFlight(), lease), row.now()));
        }

        default void release(Instant lease) {
            update(row -> new Row(row.state(), without(row.inFlight(), lease), row.now()));
        }
    }

    /** {@code login_failures}: a tenant table, written in the account's tenant. */
    private final class AccountStore implements Store {
        private final UUID tenant;
        private final UUID userId;

        AccountStore(UUID tenant, UUID userId) {
            this.tenant = tenant;
            this.userId = userId;
        }

        @Override
        public String key() {
            return "account:" + userId;
        }

        @Override
        public <R> R inTransaction(Supplier<R> work) {
            return tenants.callAs(tenant, () -> tx.execute(s -> work.get()));
        }

        @Override
        public Row lock() {
            String select = "select failures, last_failure_at, locked_until, in_flight, now() from login_failures where user_id = ? for update";
            return jdbc.sql(select).param(userId).query(BruteForceProtection::row).optional().orElseGet(() -> {
                jdbc.sql("insert into login_failures (tenant_id, user_id) values (?, ?) on conflict (user_id) do nothing")
                        .params(tenant, userId).update();
                return jdbc.sql(select).param(userId).query(BruteForceProtection::row).single();
            });
        }

        @Override
        public void save(Row row) {
            jdbc.sql("update login_failures set failures = ?, last_failure_at = ?, locked_until = ?, in_flight = ?::timestamptz[] where user_id = ?")
                    .params(row.state().failures(), timestamp(row.state().lastFailureAt()), timestamp(row.state().lockedUntil()),
                            array(row.inFlight()), userId)
                    .update();
        }

        @Override
        public void recordFailure(State before, State after, Instant now) {
            activity.record(Action.USER_SIGN_IN_FAILED, Target.user(userId), Map.of("reason", "invalid_credentials"));
            if (after.lockedAt(now) && !before.lockedAt(now)) {
                activity.record(Action.USER_LOCKED_OUT, Target.user(userId),
                        Map.of("failures", after.failures(), "until", after.lockedUntil().toString()));
            }
        }

        // One statement each, no read first: the common end of a sign-in costs a single UPDATE.
        @Override
        public void succeeded(Instant lease) {
            jdbc.sql("""
                            update login_failures set failures = 0, last_failure_at = null, locked_until = null,
                                   in_flight = array_remove(in_flight, ?::timestamptz)
                            where user_id = ?""")
                    .params(lease.toString(), userId).update();
        }

        @Override
        public void release(Instant lease) {
            jdbc.sql("update login_failures set in_flight = array_remove(in_flight, ?::timestamptz) where user_id = ?")
                    .params(lease.toString(), userId).update();
        }
    }

    /** {@code login_throttle}: global, keyed by a keyed hash of the email, reached through SECURITY DEFINER functions. */
    private final class UnknownEmailStore implements Store {
        private final byte[] hash;

        UnknownEmailStore(byte[] hash) {
            this.hash = hash;
        }

        @Override
        public String key() {
            return "email:" + HexFormat.of().formatHex(hash);
        }

        @Override
        public <R> R inTransaction(Supplier<R> work) {
            return tx.execute(s -> work.get());
        }

        /**
         * No tenant to tell, and no email to keep: the platform log has the address and the time. Its
         * own transaction, after the throttle's, so a flood of unknown emails never holds two
         * connections and a throttle row while it waits for the platform chain's head.
         */
        @Override
        public void afterFailure() {
            activity.record(Action.PLATFORM_SIGN_IN_FAILED, null, Map.of("reason", "unknown_account"));
        }

        @Override
        public Row lock() {
            return jdbc.sql("select failures, last_failure_at, locked_until, in_flight, db_now from login_throttle_lock(?)")
                    .param(hash).query(BruteForceProtection::row).single();
        }

        @Override
        public void save(Row row) {
            jdbc.sql("select login_throttle_save(?, ?, ?, ?, ?::timestamptz[], ?::interval)")
                    .params(hash, row.state().failures(), timestamp(row.state().lastFailureAt()), timestamp(row.state().lockedUntil()),
                            array(row.inFlight()), settings.resetAfter().toSeconds() + " seconds")
                    .query((rs, n) -> 1).list();
        }
    }

    private static List<Instant> without(List<Instant> inFlight, Instant lease) {
        List<Instant> rest = new ArrayList<>(inFlight);
        rest.remove(lease);
        return rest;
    }

    private static Row row(ResultSet rs, int n) throws SQLException {
        List<Instant> inFlight = new ArrayList<>();
        Array array = rs.getArray(4);
        for (Object element : (Object[]) array.getArray()) {
            inFlight.add(((Timestamp) element).toInstant());
        }
        return new Row(new State(rs.getInt(1), instant(rs.getTimestamp(2)), instant(rs.getTimestamp(3))), inFlight,
                rs.getTimestamp(5).toInstant());
    }

    /** A timestamptz[] literal of exact UTC instants (ISO 8601, microseconds kept). */
    private static String array(List<Instant> instants) {
        return instants.stream().map(Instant::toString).collect(Collectors.joining(",", "{", "}"));
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    private static Timestamp timestamp(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }
}
