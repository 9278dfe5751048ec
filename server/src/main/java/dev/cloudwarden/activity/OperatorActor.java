package dev.cloudwarden.activity;

import java.util.UUID;

/**
 * A signed-in platform operator, as the activity history names them: actor type {@code operator} and
 * the operator's id, in the platform's history (their own actions) and in a tenant's (their requests
 * for access and their reads under a grant).
 */
public interface OperatorActor {
    UUID operatorId();
}
