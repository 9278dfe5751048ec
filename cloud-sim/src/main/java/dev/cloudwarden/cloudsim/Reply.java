package dev.cloudwarden.cloudsim;

/** One HTTP answer; {@code errorCode} is null for a success, and is what {@link CloudSim#calls()} records. */
record Reply(int status, String contentType, String body, String errorCode) {

    static Reply xml(String body) {
        return new Reply(200, "text/xml;charset=UTF-8", body, null);
    }

    static Reply json(String body) {
        return new Reply(200, "application/x-amz-json-1.1", body, null);
    }
}
