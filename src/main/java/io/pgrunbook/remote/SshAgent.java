package io.pgrunbook.remote;

import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.common.Message;
import net.schmizz.sshj.common.SSHPacket;
import net.schmizz.sshj.transport.TransportException;
import net.schmizz.sshj.userauth.UserAuthException;
import net.schmizz.sshj.userauth.method.AbstractAuthMethod;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The keys of the operator's ssh-agent ({@code SSH_AUTH_SOCK}), so that encrypted keys need no passphrase in the
 * environment: the agent signs, the private key never leaves it. The agent protocol (draft-miller-ssh-agent) is spoken
 * over the Unix socket with the JDK's own Unix-domain channels: identities (11 / 12) and signing (13 / 14). An RSA key
 * signs with rsa-sha2-256 (flag 2), never with SHA-1.
 */
final class SshAgent implements AutoCloseable {
    private static final byte FAILURE = 5;
    private static final byte REQUEST_IDENTITIES = 11;
    private static final byte IDENTITIES_ANSWER = 12;
    private static final byte SIGN_REQUEST = 13;
    private static final byte SIGN_RESPONSE = 14;
    private static final int RSA_SHA2_256 = 2;
    private static final int MAX_MESSAGE = 256 * 1024;

    /** One key the agent holds: its public key blob, type (ssh-ed25519, ssh-rsa, ...) and comment. */
    record Identity(byte[] blob, String type, String comment) {
        /** The signature algorithm to ask the server for: rsa-sha2-256 for RSA keys, else the key type. */
        String algorithm() {
            return type.equals("ssh-rsa") ? "rsa-sha2-256" : type;
        }

        int flags() {
            return type.equals("ssh-rsa") ? RSA_SHA2_256 : 0;
        }
    }

    private final String socket;
    private final SocketChannel channel;

    private SshAgent(String socket, SocketChannel channel) {
        this.socket = socket;
        this.channel = channel;
    }

    /** Connects to the agent at {@code socket} (the value of SSH_AUTH_SOCK). */
    static SshAgent connect(String socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw new IOException("cannot reach the ssh-agent at " + socket + ": " + e.getMessage(), e);
        }
        return new SshAgent(socket, ch);
    }

    String socket() {
        return socket;
    }

    List<Identity> identities() throws IOException {
        Buffer.PlainBuffer answer = request(REQUEST_IDENTITIES, new byte[0]);
        try {
            byte type = answer.readByte();
            if (type != IDENTITIES_ANSWER) {
                throw new IOException("the ssh-agent answered " + type + " to a request for its keys");
            }
            int n = answer.readUInt32AsInt();
            List<Identity> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                byte[] blob = answer.readBytes();
                String comment = answer.readString(StandardCharsets.UTF_8);
                String keyType = new Buffer.PlainBuffer(blob).readString(StandardCharsets.US_ASCII);
                out.add(new Identity(blob, keyType, comment));
            }
            return out;
        } catch (Buffer.BufferException e) {
            throw new IOException("unreadable answer from the ssh-agent: " + e.getMessage(), e);
        }
    }

    /** The agent's signature blob (string algorithm, string signature) over {@code data} with the key {@code id}. */
    byte[] sign(Identity id, byte[] data) throws IOException {
        byte[] payload = new Buffer.PlainBuffer().putString(id.blob()).putString(data).putUInt32(id.flags()).getCompactData();
        Buffer.PlainBuffer answer = request(SIGN_REQUEST, payload);
        try {
            byte type = answer.readByte();
            if (type == FAILURE) {
                throw new IOException("the ssh-agent refused to sign with " + id.type() + " key " + id.comment()
                        + " (a key that needs confirmation, or one that was removed?)");
            }
            if (type != SIGN_RESPONSE) {
                throw new IOException("the ssh-agent answered " + type + " to a signing request");
            }
            return answer.readBytes();
        } catch (Buffer.BufferException e) {
            throw new IOException("unreadable signature from the ssh-agent: " + e.getMessage(), e);
        }
    }

    private synchronized Buffer.PlainBuffer request(byte type, byte[] payload) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(5 + payload.length);
        out.putInt(1 + payload.length).put(type).put(payload).flip();
        while (out.hasRemaining()) {
            channel.write(out);
        }
        ByteBuffer len = ByteBuffer.allocate(4);
        readFully(len);
        int n = len.flip().getInt();
        if (n <= 0 || n > MAX_MESSAGE) {
            throw new IOException("the ssh-agent sent a message of " + n + " bytes");
        }
        ByteBuffer body = ByteBuffer.allocate(n);
        readFully(body);
        return new Buffer.PlainBuffer(body.array());
    }

    private void readFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                throw new IOException("the ssh-agent closed the connection");
            }
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing left to do with it
        }
    }

    /**
     * SSH "publickey" authentication with a key held by the agent: first the query (no signature), then, on the
     * server's PK_OK, the request signed by the agent over the session identifier and the request itself.
     */
    static final class Auth extends AbstractAuthMethod {
        private final SshAgent agent;
        private final Identity id;

        Auth(SshAgent agent, Identity id) {
            super("publickey");
            this.agent = agent;
            this.id = id;
        }

        private SSHPacket request(boolean signed) throws UserAuthException {
            return super.buildReq().putBoolean(signed).putString(id.algorithm()).putString(id.blob());
        }

        @Override
        protected SSHPacket buildReq() throws UserAuthException {
            return request(false);
        }

        @Override
        public void handle(Message cmd, SSHPacket buf) throws UserAuthException, TransportException {
            if (cmd != Message.USERAUTH_60) {
                super.handle(cmd, buf);
                return;
            }
            SSHPacket req = request(true);
            byte[] toSign = new Buffer.PlainBuffer().putString(params.getTransport().getSessionID()).putBuffer(req)
                    .getCompactData();
            try {
                req.putString(agent.sign(id, toSign));
            } catch (IOException e) {
                throw new UserAuthException(e.getMessage(), e);
            }
            params.getTransport().write(req);
        }

        @Override
        public String toString() {
            return "ssh-agent " + id.type() + " key " + id.comment();
        }
    }
}
