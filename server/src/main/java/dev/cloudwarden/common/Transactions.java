package dev.cloudwarden.common;

import org.springframework.transaction.support.TransactionTemplate;

/** Transactions the application's own template does not give. */
public final class Transactions {

    private Transactions() {
    }

    /**
     * A read-only transaction on the same manager as {@code tx}: PostgreSQL refuses any write in it, and the tenant is
     * set in it like in any other (the tenancy's per-transaction {@code SET LOCAL}).
     */
    public static TransactionTemplate readOnly(TransactionTemplate tx) {
        TransactionTemplate readOnly = new TransactionTemplate(tx.getTransactionManager());
        readOnly.setReadOnly(true);
        return readOnly;
    }
}
