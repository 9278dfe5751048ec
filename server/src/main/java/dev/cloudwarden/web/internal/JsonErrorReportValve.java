package dev.cloudwarden.web.internal;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;

/**
 * Errors that Tomcat raises before any filter runs (an illegal encoded character in the path, a
 * malformed request line) get the same JSON body and core security headers as every other error,
 * instead of Tomcat's HTML page.
 */
public class JsonErrorReportValve extends ErrorReportValve {

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0) {
            return;
        }
        AtomicBoolean ioAllowed = new AtomicBoolean(false);
        response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
        if (!ioAllowed.get()) {
            return;
        }
        String code = status == 404 ? "not_found" : status >= 500 ? "internal_error" : "bad_request";
        String message = status >= 500 ? "Something went wrong on our side." : "The request was refused.";
        try {
            response.setContentType("application/json");
            response.setCharacterEncoding("UTF-8");
            response.setHeader("X-Content-Type-Options", "nosniff");
            response.setHeader("Strict-Transport-Security", "max-age=31536000 ; includeSubDomains");
            response.setHeader("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
            response.setHeader("Referrer-Policy", "no-referrer");
            response.setHeader("X-Frame-Options", "DENY");
            response.setHeader("Cache-Control", "no-store");
            PrintWriter writer = response.getReporter();
            if (writer != null) {
                writer.write("{\"error\":\"" + code + "\",\"message\":\"" + message + "\"}");
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // the client is gone or the response is already committed: nothing more to say
        }
    }
}
