package io.pgrunbook.doctor;

import io.pgrunbook.remote.OpenSshTransport;
import io.pgrunbook.remote.Transport;

/** What doctor says about a host reached with {@code transport: openssh}: which ssh, as whom, through which master. */
final class OpenSshDoctor {
    private OpenSshDoctor() {
    }

    static String connected(Transport t) {
        if (!(t instanceof OpenSshTransport o)) {
            return "connected";
        }
        return OpenSshTransport.clientVersion() + ", login " + o.loginUser() + ", host key verified (strict),"
                + " master " + o.controlPath();
    }
}
