package com.metaaudiencesync.webhook;

import org.apache.camel.Exchange;
import org.apache.camel.Message;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * The only Camel-aware piece: platform-http exchange → {@link WebhookHandler} → HTTP reply. Every inbound
 * header (CamelHttp*, Authorization, X-Signature, ...) is removed before the reply is written, so nothing
 * of the request is echoed back or forwarded.
 */
public class WebhookCamelAdapter {
    private static final String[] PASSED = {"Content-Length", "Content-Type", "Content-Encoding", "Authorization", "X-Signature"};

    private final WebhookHandler handler;

    public WebhookCamelAdapter(WebhookHandler handler) { this.handler = handler; }

    /** the exact bytes the body-limit filter read (the Camel body may have been decoded to text) */
    private static Object rawBody(Message in) {
        Object req = in.getHeader(Exchange.HTTP_SERVLET_REQUEST);
        if (req == null && in instanceof org.apache.camel.component.platform.http.springboot.PlatformHttpMessage pm) req = pm.getRequest();
        return req instanceof jakarta.servlet.http.HttpServletRequest r ? r.getAttribute(WebhookBodyLimitFilter.BODY_ATTRIBUTE) : null;
    }

    public void process(Exchange exchange) {
        Message in = exchange.getMessage();
        String method = in.getHeader(Exchange.HTTP_METHOD, String.class);
        String path = in.getHeader(Exchange.HTTP_URI, String.class);
        if (path == null) path = in.getHeader(Exchange.HTTP_PATH, String.class);
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String h : PASSED) {
            Object v = in.getHeader(h);
            if (v != null) headers.put(h, v.toString());
        }
        boolean vertx = in instanceof org.apache.camel.component.platform.http.vertx.HttpMessage;
        WebhookResult r = handler.handle(method == null ? "POST" : method, path, headers, max -> {
            Object raw = rawBody(in);
            if (raw instanceof byte[] bytes) {
                if (bytes.length > max) throw new WebhookHandler.TooLargeException();
                return bytes;
            }
            Object b = in.getBody();
            if (b == null) return new byte[0];
            if (b instanceof io.vertx.core.buffer.Buffer buf) { // the Vert.x listener: read whole, within max-bytes
                if (buf.length() > max) throw new WebhookHandler.TooLargeException();
                return buf.getBytes();
            }
            if (b instanceof InputStream is) return WebhookHandler.readCapped(is, max);
            if (b instanceof byte[] bytes) {
                if (bytes.length > max) throw new WebhookHandler.TooLargeException();
                return bytes;
            }
            if (b instanceof String s) {
                byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
                if (bytes.length > max) throw new WebhookHandler.TooLargeException();
                return bytes;
            }
            InputStream is = exchange.getContext().getTypeConverter().convertTo(InputStream.class, exchange, b);
            return WebhookHandler.readCapped(is, max);
        });
        in.getHeaders().clear();
        in.setHeader(Exchange.HTTP_RESPONSE_CODE, r.status());
        r.headers().forEach((k, v) -> in.setHeader(k.equals("Content-Type") ? Exchange.CONTENT_TYPE : k, v));
        // the Vert.x listener writes a ByteBuffer straight out with its Content-Length (a byte[] would be streamed
        // through an InputStream adapter, a Buffer sent chunked)
        in.setBody(vertx ? java.nio.ByteBuffer.wrap(r.body()) : r.body());
    }
}
