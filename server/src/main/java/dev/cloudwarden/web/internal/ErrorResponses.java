package dev.cloudwarden.web.internal;

import dev.cloudwarden.web.ApiError;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/** Writes {@link ApiError} bodies from places outside Spring MVC (filters, security handlers). */
@Component
public class ErrorResponses {

    private final JsonMapper json;

    ErrorResponses(JsonMapper json) {
        this.json = json;
    }

    /**
     * Writes and sends the answer at once, with its length: a client still sending a body the server
     * will not read has the whole answer before the connection closes (a chunked answer's last chunk
     * would race the close).
     */
    public void write(HttpServletResponse response, int status, ApiError error) throws IOException {
        if (response.isCommitted()) {
            return;
        }
        String body = json.writeValueAsString(error);
        response.resetBuffer();
        response.setStatus(status);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.setCharacterEncoding("UTF-8");
        response.setContentLength(body.getBytes(StandardCharsets.UTF_8).length);
        response.getWriter().write(body);
        response.flushBuffer();
    }
}
