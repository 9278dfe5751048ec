package dev.cloudwarden.tenancy;

import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;

/**
 * The tenant the current thread works for. It is opened once per request from the authenticated
 * principal ({@link TenantScopeFilter}), or explicitly by the few flows that act before anyone is
 * signed in (sign-up, sign-in). {@link TenantTransactionManager} copies it into every transaction;
 * nothing else reads it for scoping.
 */
@Component
public class TenantContext {

    private final ThreadLocal<UUID> current = new ThreadLocal<>();
    /** Set for a read-only scope: every transaction in it is READ ONLY, so PostgreSQL refuses any write. */
    private final ThreadLocal<Boolean> readOnly = new ThreadLocal<>();

    public Optional<UUID> current() {
        return Optional.ofNullable(current.get());
    }

    public UUID require() {
        UUID tenant = current.get();
        if (tenant == null) {
            throw new IllegalStateException("no tenant in scope");
        }
        return tenant;
    }

    /**
     * Opens a scope for {@code tenant}. Re-entering the same tenant is allowed; switching to another
     * tenant inside a scope is refused, so work for two tenants can never interleave on one thread.
     */
    public Scope open(UUID tenant) {
        if (tenant == null) {
            throw new IllegalArgumentException("tenant is required");
        }
        UUID previous = current.get();
        if (previous != null && !previous.equals(tenant)) {
            throw new IllegalStateException("a different tenant is already in scope");
        }
        current.set(tenant);
        return previous == null ? current::remove : () -> { };
    }

    /**
     * Opens a read-only scope for {@code tenant} on a thread with no scope: every transaction opened in
     * it is {@code READ ONLY} ({@link TenantTransactionManager}), whatever the code running inside
     * asks. For reading a tenant's data on someone else's behalf (a platform operator's grant).
     */
    public Scope openReadOnly(UUID tenant) {
        if (tenant == null) {
            throw new IllegalArgumentException("tenant is required");
        }
        if (current.get() != null) {
            throw new IllegalStateException("a read-only scope opens only where no tenant is in scope");
        }
        current.set(tenant);
        readOnly.set(Boolean.TRUE);
        return () -> {
            current.remove();
            readOnly.remove();
        };
    }

    /** Whether the scope in force is read-only ({@link #openReadOnly}). */
    public boolean readOnly() {
        return readOnly.get() != null;
    }

    public <T> T callAs(UUID tenant, Supplier<T> work) {
        try (Scope ignored = open(tenant)) {
            return work.get();
        }
    }

    public void runAs(UUID tenant, Runnable work) {
        try (Scope ignored = open(tenant)) {
            work.run();
        }
    }

    /**
     * Runs work with no tenant in scope, restoring the caller's scope afterwards. Only for the public
     * flows that find their own tenant (sign-up, sign-in, accepting an invitation, resetting a
     * password), which a signed-in browser or token holder may also call.
     */
    public <T> T detached(Supplier<T> work) {
        UUID previous = current.get();
        Boolean previousReadOnly = readOnly.get();
        current.remove();
        readOnly.remove();
        try {
            return work.get();
        } finally {
            if (previous != null) {
                current.set(previous);
            }
            if (previousReadOnly != null) {
                readOnly.set(previousReadOnly);
            }
        }
    }

    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
