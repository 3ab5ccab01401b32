package com.metaaudiencesync.webhook;

import io.vertx.core.buffer.Buffer;
import jakarta.servlet.http.HttpServletRequest;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.platform.http.springboot.PlatformHttpMessage;
import org.apache.camel.component.platform.http.vertx.HttpMessage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Camel-aware ends of route template webhook-intake: the HTTP exchange → a {@link WebhookRequest} body
 * (first step) and a {@link WebhookResult} → the HTTP reply (last step, or the onException of an early
 * answer). Every inbound header (CamelHttp*, Authorization, X-Signature, ...) is removed in the first step,
 * so nothing of the request is echoed back or forwarded, whatever the answer.
 */
public class WebhookCamelAdapter {
    private static final String[] PASSED = {"Content-Length", "Content-Type", "Content-Encoding", "Authorization", "X-Signature"};
    /** exchange property: the reply body goes out as a ByteBuffer (the Vert.x listener) */
    static final String BYTE_BUFFER_REPLY = "mas.webhook.byteBufferReply";

    private final WebhookHandler handler;

    public WebhookCamelAdapter(WebhookHandler handler) { this.handler = handler; }

    /** the exact bytes the body-limit filter read (the Camel body may have been decoded to text) */
    private static Object rawBody(Message in) {
        Object req = in.getHeader(Exchange.HTTP_SERVLET_REQUEST);
        if (req == null && in instanceof PlatformHttpMessage pm) req = pm.getRequest();
        return req instanceof HttpServletRequest r ? r.getAttribute(WebhookBodyLimitFilter.BODY_ATTRIBUTE) : null;
    }

    /** First step: method, path, the headers the stages need and a capped reader of the body; inbound headers removed. */
    public void request(Exchange exchange) {
        Message in = exchange.getMessage();
        String method = in.getHeader(Exchange.HTTP_METHOD, String.class);
        String path = in.getHeader(Exchange.HTTP_URI, String.class);
        if (path == null) path = in.getHeader(Exchange.HTTP_PATH, String.class);
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String h : PASSED) {
            Object v = in.getHeader(h);
            if (v != null) headers.put(h, v.toString());
        }
        Object raw = rawBody(in);
        Object body = in.getBody();
        CamelContext context = exchange.getContext();
        if (in instanceof HttpMessage) exchange.setProperty(BYTE_BUFFER_REPLY, Boolean.TRUE);
        in.getHeaders().clear();
        in.setBody(new WebhookRequest(method, path, headers, max -> read(raw != null ? raw : body, max, context, exchange)));
    }

    /** the body as bytes, never more than max (+1 to detect more) read from a stream */
    private static byte[] read(Object b, long max, CamelContext context, Exchange exchange) throws IOException {
        if (b == null) return new byte[0];
        byte[] bytes;
        if (b instanceof byte[] a) bytes = a;
        else if (b instanceof Buffer buf) { // the Vert.x listener: read whole by Vert.x, within max-bytes
            if (buf.length() > max) throw new WebhookHandler.TooLargeException();
            bytes = buf.getBytes();
        } else if (b instanceof InputStream is) return WebhookHandler.readCapped(is, max);
        else if (b instanceof String s) bytes = s.getBytes(StandardCharsets.UTF_8);
        else return WebhookHandler.readCapped(context.getTypeConverter().convertTo(InputStream.class, exchange, b), max);
        if (bytes.length > max) throw new WebhookHandler.TooLargeException();
        return bytes;
    }

    /** Last step: the 202 of a stored request. */
    public void reply(Exchange exchange) {
        write(exchange, handler.reply(exchange.getMessage().getBody(WebhookRequest.class)));
    }

    /** onException of routeConfiguration webhook-answers: the problem answer a stage threw. */
    public void answer(Exchange exchange) {
        Throwable t = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        while (t != null && !(t instanceof WebhookAnswer)) t = t.getCause();
        if (t == null) throw new IllegalStateException("no webhook answer on the exchange");
        write(exchange, ((WebhookAnswer) t).result());
    }

    private static void write(Exchange exchange, WebhookResult r) {
        Message in = exchange.getMessage();
        in.getHeaders().clear();
        in.setHeader(Exchange.HTTP_RESPONSE_CODE, r.status());
        r.headers().forEach((k, v) -> in.setHeader(k.equals("Content-Type") ? Exchange.CONTENT_TYPE : k, v));
        // the Vert.x listener writes a ByteBuffer straight out with its Content-Length (a byte[] would be streamed
        // through an InputStream adapter, a Buffer sent chunked)
        in.setBody(exchange.getProperty(BYTE_BUFFER_REPLY, false, Boolean.class) ? ByteBuffer.wrap(r.body()) : r.body());
    }
}
