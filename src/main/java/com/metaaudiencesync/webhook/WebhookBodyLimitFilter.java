package com.metaaudiencesync.webhook;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;

/**
 * Enforces sync.webhook.max-bytes on the webhook paths before the HTTP binding reads the body (the Camel
 * servlet binding would otherwise read it whole into memory first): a declared Content-Length over the limit
 * is answered 413 without reading a byte; an undeclared (chunked) body is read at most max+1 bytes, 413 past
 * that. A body within the limit is handed on from memory, so memory per request is bounded by max-bytes.
 */
public class WebhookBodyLimitFilter extends OncePerRequestFilter {
    /** request attribute holding the raw body bytes (exactly as received: what X-Signature is computed over) */
    public static final String BODY_ATTRIBUTE = "mas.webhook.rawBody";
    private final long maxBytes;

    public WebhookBodyLimitFilter(long maxBytes) { this.maxBytes = maxBytes; }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain) throws ServletException, IOException {
        if (!"POST".equalsIgnoreCase(request.getMethod()) || WebhookHandler.channel(request.getRequestURI()) == null) {
            chain.doFilter(request, response);
            return;
        }
        long declared = request.getContentLengthLong();
        if (declared > maxBytes) {
            write(response, Problems.tooLarge(maxBytes));
            return;
        }
        byte[] body;
        try {
            body = WebhookHandler.readCapped(request.getInputStream(), maxBytes);
        } catch (WebhookHandler.TooLargeException e) {
            write(response, Problems.tooLarge(maxBytes));
            return;
        }
        request.setAttribute(BODY_ATTRIBUTE, body);
        chain.doFilter(new Buffered(request, body), response);
    }

    private static void write(HttpServletResponse response, WebhookResult r) throws IOException {
        response.setStatus(r.status());
        r.headers().forEach(response::setHeader);
        response.setHeader("Connection", "close");
        response.setContentLength(r.body().length);
        response.getOutputStream().write(r.body());
    }

    static final class Buffered extends HttpServletRequestWrapper {
        private final byte[] body;

        Buffered(HttpServletRequest r, byte[] body) {
            super(r);
            this.body = body;
        }

        /**
         * The body is JSON whatever the client declared: curl without -H and some senders say
         * application/x-www-form-urlencoded, which would make the HTTP binding parse the JSON as form fields
         * (and fail); the handler reads the raw bytes anyway.
         */
        private boolean formDeclared() {
            String ct = super.getContentType();
            return ct != null && ct.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded");
        }

        @Override public String getContentType() { return formDeclared() ? "application/json" : super.getContentType(); }

        @Override public String getHeader(String name) {
            return "content-type".equalsIgnoreCase(name) && formDeclared() ? "application/json" : super.getHeader(name);
        }

        @Override public Enumeration<String> getHeaders(String name) {
            return "content-type".equalsIgnoreCase(name) && formDeclared()
                    ? Collections.enumeration(List.of("application/json")) : super.getHeaders(name);
        }

        @Override public int getContentLength() { return body.length; }
        @Override public long getContentLengthLong() { return body.length; }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override public boolean isFinished() { return in.available() == 0; }
                @Override public boolean isReady() { return true; }
                @Override public void setReadListener(ReadListener l) { throw new UnsupportedOperationException(); }
                @Override public int read() { return in.read(); }
                @Override public int read(byte[] b, int off, int len) { return in.read(b, off, len); }
            };
        }

        @Override
        public BufferedReader getReader() {
            return new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body), StandardCharsets.UTF_8));
        }
    }
}
