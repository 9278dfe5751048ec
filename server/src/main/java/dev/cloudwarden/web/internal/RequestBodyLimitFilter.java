package dev.cloudwarden.web.internal;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.util.unit.DataSize;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses request bodies above {@code cloudwarden.http.max-body-size} with 413: at once when the
 * declared length is too big, and while reading when a chunked body grows past the limit.
 *
 * <p>It is the first servlet filter of every request ({@link RequestBodyLimitConfiguration}), so no
 * filter after it (Spring Security's, Spring Session's, anything added later) can read more than the
 * limit. It answers through the container's error page ({@code sendError}, rendered by
 * {@link ErrorPageController}): the 413 carries the same security headers and JSON (or, for a
 * browser, the styled page) as every other error. Tomcat then closes the connection without reading
 * the rest of the body; a body nobody read is drained at most up to the same limit
 * ({@code server.tomcat.max-swallow-size}) before the connection closes.
 */
public class RequestBodyLimitFilter extends OncePerRequestFilter {

    private final long limit;

    public RequestBodyLimitFilter(DataSize limit) {
        this.limit = limit.toBytes();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (request.getContentLengthLong() > limit) {
            response.sendError(HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE);
            return;
        }
        try {
            chain.doFilter(new LimitedRequest(request, limit), response);
        } catch (IOException | ServletException | RuntimeException e) {
            // a filter or servlet that read past the limit and let the exception through (Spring MVC maps its own)
            if (!causedByTooLargeBody(e)) {
                throw e;
            }
            if (!response.isCommitted()) {
                response.sendError(HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE);
            }
        }
    }

    private static boolean causedByTooLargeBody(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof BodyTooLargeException) {
                return true;
            }
        }
        return false;
    }

    /** Thrown while reading a body past the limit; mapped to 413. */
    public static final class BodyTooLargeException extends IOException {
        BodyTooLargeException() {
            super("request body too large", null);
        }
    }

    private static final class LimitedRequest extends HttpServletRequestWrapper {
        private final long limit;
        private ServletInputStream stream;

        LimitedRequest(HttpServletRequest request, long limit) {
            super(request);
            this.limit = limit;
        }

        @Override
        public java.io.BufferedReader getReader() throws IOException {
            String charset = getCharacterEncoding() == null ? "UTF-8" : getCharacterEncoding();
            return new java.io.BufferedReader(new java.io.InputStreamReader(getInputStream(), charset));
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (stream == null) {
                stream = new LimitedStream(super.getInputStream(), limit);
            }
            return stream;
        }
    }

    private static final class LimitedStream extends ServletInputStream {
        private final ServletInputStream in;
        private final long limit;
        private long read;

        LimitedStream(ServletInputStream in, long limit) {
            this.in = in;
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = in.read(buffer, offset, length);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) throws BodyTooLargeException {
            read += n;
            if (read > limit) {
                throw new BodyTooLargeException();
            }
        }

        @Override
        public boolean isFinished() {
            return in.isFinished();
        }

        @Override
        public boolean isReady() {
            return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(listener);
        }
    }
}
