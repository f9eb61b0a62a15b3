package org.icbd.rcs.replica.pull;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.icbd.rcs.transfer.TransferRequest;

/**
 * The stream of a {@code transport=tcp} request: the source answers on the SSH channel's stdout with
 * one line, {@code tcp port=<n> token=<64 hex>}, once the request holds a send slot; this connects a
 * plain TCP socket to that port on the source's host, sends the token and a newline, and reads the
 * stream from the socket. The first read does all that, so it may block like any read of the stream.
 *
 * <p>A channel whose stdout ends before the line (the request was refused, say) reads as an empty
 * stream: the exit status on the channel says why. {@link #close()} may be called from any thread.
 */
final class TcpWire extends InputStream {

    /** The source's answer; anything else is not a hand-off. */
    static final Pattern ANSWER = Pattern.compile("tcp port=([1-9][0-9]{0,4}) token=([0-9a-f]{64})");
    private static final int ANSWER_LIMIT = 128;

    private final InputStream answers;
    private final String host;
    private final Duration connectTimeout;
    private final TransferRequest request;
    private volatile Socket socket;
    private volatile boolean closed;
    private InputStream in;
    private boolean noAnswer;

    TcpWire(InputStream answers, String host, Duration connectTimeout, TransferRequest request) {
        this.answers = answers;
        this.host = host;
        this.connectTimeout = connectTimeout;
        this.request = request;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (in == null && !noAnswer) {
            connect();
        }
        if (noAnswer) {
            return -1;
        }
        return in.read(b, off, len);
    }

    private void connect() throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = answers.read()) >= 0 && c != '\n') {
            if (line.length() >= ANSWER_LIMIT) {
                throw new IOException("the source's answer to `" + request.print() + "` is longer than "
                        + ANSWER_LIMIT + " characters: it does not speak transport=tcp; upgrade it or set the"
                        + " source's transport to ssh");
            }
            line.append((char) c);
        }
        if (c < 0 && line.length() == 0) {
            noAnswer = true;
            return;
        }
        Matcher m = ANSWER.matcher(line);
        if (c < 0 || !m.matches()) {
            throw new IOException("the source answered `" + request.print() + "` with '" + printable(line)
                    + "', not 'tcp port=<n> token=<hex>': it does not speak transport=tcp; upgrade it or set the"
                    + " source's transport to ssh");
        }
        int port = Integer.parseInt(m.group(1));
        if (port > 65535) {
            throw new IOException("the source announced port " + port + " for `" + request.print() + "`");
        }
        Socket s = new Socket();
        synchronized (this) {
            if (closed) {
                throw new IOException("the transfer of " + request.print() + " was closed");
            }
            socket = s;
        }
        try {
            s.connect(new InetSocketAddress(host, port), (int) connectTimeout.toMillis());
            OutputStream out = s.getOutputStream();
            out.write((m.group(2) + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            s.shutdownOutput();
            in = s.getInputStream();
        } catch (IOException e) {
            s.close();
            throw new IOException("cannot connect to " + host + ":" + port + " for the stream of `" + request.print()
                    + "` over tcp: " + e.getMessage() + "; open that port from the replica to the source, or set"
                    + " the source's transport to ssh", e);
        }
    }

    private static String printable(CharSequence text) {
        StringBuilder b = new StringBuilder();
        text.codePoints().limit(60).forEach(c -> b.append(c < 0x20 || c > 0x7e ? '?' : (char) c));
        return b.toString();
    }

    @Override
    public void close() throws IOException {
        Socket s;
        synchronized (this) {
            closed = true;
            s = socket;
        }
        if (s != null) {
            s.close();
        }
    }
}
