package dev.cloudwarden.identity.internal;

import org.springframework.security.authentication.AuthenticationServiceException;

/**
 * Console sign-in: the password could not be checked now (no hashing slot, or the account's other
 * attempts did not finish in time). The failure handler ({@link ConsoleSecondFactor}) answers
 * {@code /login?busy}, as the API answers 503 {@code unavailable}.
 */
class SignInBusyException extends AuthenticationServiceException {

    SignInBusyException() {
        super("The server is busy.");
    }
}
