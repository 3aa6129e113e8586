package io.pgrunbook.smoke;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Units;
import io.pgrunbook.pg.PgSessions;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.remote.HostKeyException;
import io.pgrunbook.smoke.SmokeReport.Check;
import io.pgrunbook.smoke.SmokeReport.Result;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import static io.pgrunbook.smoke.SmokeRunner.DDL;
import static io.pgrunbook.smoke.SmokeRunner.TABLE;
import static io.pgrunbook.smoke.SmokeRunner.ms;
import static io.pgrunbook.smoke.SmokeRunner.strip;

/** smoke's probe row: written on the live primary, then looked for on a standby or the REPLICA until the timeout. */
final class ProbeRow {
    private final Connections connections;
    private final Map<String, String> env;
    private final Duration timeout;

    ProbeRow(Connections connections, Map<String, String> env, Duration timeout) {
        this.connections = connections;
        this.env = env;
        this.timeout = timeout;
    }

    Check write(Host primary, String db, String token) {
        long t = System.nanoTime();
        try (Connection c = PgSessions.open(primary, connections, db, primary.postgres().statementTimeout(), env);
             Statement st = c.createStatement()) {
            st.execute(DDL);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO public." + TABLE + " (token, written_on) VALUES (?, ?)")) {
                ps.setString(1, token);
                ps.setString(2, primary.name());
                ps.executeUpdate();
            }
            // keep the table small: probe rows are only needed while a smoke test runs
            st.executeUpdate("DELETE FROM public." + TABLE + " WHERE written_at < now() - interval '1 day'");
            return new Check("write", primary.name(), Result.PASS, ms(t), "probe row " + token + " in " + db + "." + TABLE);
        } catch (HostKeyException e) {
            throw e;
        } catch (RuntimeException | SQLException e) {
            return new Check("write", primary.name(), Result.FAIL, ms(t), strip(primary, e.getMessage()));
        }
    }

    /** Polls {@code host} until the probe row is there or the timeout passes; the delay is from the write. */
    Check awaitRow(String name, Host h, String db, String token, long writtenAt, String note) {
        long deadline = writtenAt + timeout.toNanos();
        String last = null;
        while (true) {
            try (Connection c = PgSessions.open(h, connections, db, h.postgres().statementTimeout(), env)) {
                try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM public." + TABLE + " WHERE token = ?")) {
                    ps.setString(1, token);
                    while (System.nanoTime() < deadline) {
                        try (ResultSet rs = ps.executeQuery()) {
                            if (rs.next()) {
                                return new Check(name, h.name(), Result.PASS, ms(writtenAt), "probe row seen after "
                                        + ms(writtenAt) + " ms" + note);
                            }
                        } catch (SQLException e) {
                            // the table itself may not have been replayed yet
                            if (!"42P01".equals(e.getSQLState())) {
                                throw e;
                            }
                            last = "table " + TABLE + " not there yet";
                        }
                        Thread.sleep(50);
                    }
                }
            } catch (HostKeyException e) {
                throw e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Check(name, h.name(), Result.FAIL, ms(writtenAt), "interrupted");
            } catch (RuntimeException | SQLException e) {
                last = strip(h, e.getMessage());
                if (System.nanoTime() < deadline) {
                    sleep(500);
                    continue;
                }
            }
            return new Check(name, h.name(), Result.FAIL, ms(writtenAt), "probe row not seen within "
                    + Units.duration(timeout) + (last != null ? " (" + last + ")" : "") + note);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
