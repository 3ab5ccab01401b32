package com.metaaudiencesync.poll;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A raw HTTP server on the loopback for poll sources whose responses no ordinary server would send: reads each
 * request's head, then lets the subclass write the response byte by byte. One connection at a time, closed after it.
 */
abstract class RawHttpSource implements AutoCloseable {
    private final ServerSocket server;
    /** the CSV the source serves */
    volatile String body = "email\n";

    /** starts serving (no request can arrive before the constructor returns: nobody knows the port yet) */
    RawHttpSource(String threadName) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::serve, threadName);
        t.setDaemon(true);
        t.start();
    }

    int port() { return server.getLocalPort(); }

    /** the response to one request, given its head (request line and headers) */
    abstract void respond(String head, OutputStream out) throws IOException;

    private void serve() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                InputStream in = s.getInputStream();
                StringBuilder head = new StringBuilder();
                int b;
                while ((b = in.read()) >= 0) {
                    head.append((char) b);
                    if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) break;
                }
                OutputStream out = s.getOutputStream();
                respond(head.toString(), out);
                out.flush();
            } catch (IOException e) {
                // closed
            }
        }
    }

    @Override public void close() throws IOException { server.close(); }
}
