package dev.cloudwarden.cloudsim;

/** An answer that is an AWS error: the HTTP status and the service's error code, in the service's own shape. */
final class AwsException extends RuntimeException {

    final int status;
    final String code;

    AwsException(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }
}
