package io.pgrunbook.remote;

/** A jump host as the inventory names it. */
record JumpSpec(String user, String host, int port) {
    /** {@code [user@]host[:port]}, the host possibly an IPv6 address in brackets. */
    static JumpSpec parse(String spec, String defaultUser) {
        String s = spec.trim();
        String user = defaultUser;
        int at = s.lastIndexOf('@');
        if (at >= 0) {
            user = s.substring(0, at);
            s = s.substring(at + 1);
        }
        int port = 22;
        String h = s;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            h = s.substring(1, close);
            if (close + 1 < s.length() && s.charAt(close + 1) == ':') {
                port = Integer.parseInt(s.substring(close + 2));
            }
        } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':')) {
            h = s.substring(0, s.indexOf(':'));
            port = Integer.parseInt(s.substring(s.indexOf(':') + 1));
        }
        return new JumpSpec(user, h, port);
    }
}
