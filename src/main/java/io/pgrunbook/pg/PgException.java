package io.pgrunbook.pg;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.sql.SQLException;

/** A PostgreSQL connection or statement failed; the message names the host, the database and the server's words. */
public class PgException extends RuntimeException {
    private final String host;
    private final String sqlState;
    private final boolean refused;
    private final boolean timedOut;

    public PgException(String host, String database, SQLException cause) {
        super(host + ": PostgreSQL" + (database != null ? " (" + database + ")" : "") + ": " + oneLine(cause), cause);
        this.host = host;
        this.sqlState = cause.getSQLState();
        this.refused = causedBy(cause, ConnectException.class);
        this.timedOut = causedBy(cause, SocketTimeoutException.class);
    }

    private static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    private static String oneLine(SQLException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl > 0 ? m.substring(0, nl) : m;
    }

    public String host() {
        return host;
    }

    public String sqlState() {
        return sqlState;
    }

    /** Nothing listens there: the server is down (the host itself answered). */
    public boolean refused() {
        return refused || "08001".equals(sqlState) && getMessage().contains("refused");
    }

    /** No answer within the connect or login timeout (PgJDBC's login timeout says so only in words). */
    public boolean timedOut() {
        return timedOut || "08001".equals(sqlState) && getMessage().contains("timed out");
    }
}
