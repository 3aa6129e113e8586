package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.remote.Transport;
import org.junit.jupiter.api.Test;
import org.mockito.InOrder;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

class ReadOnlyRuntimeTest {
    private final Host host = mock(Host.class);

    @Test
    void a_read_only_runtime_makes_each_sql_session_read_only_before_handing_it_out() throws Exception {
        Connection c = mock(Connection.class);
        Statement st = mock(Statement.class);
        when(c.createStatement()).thenReturn(st);
        when(c.getAutoCommit()).thenReturn(true);
        StepRuntime ro = StepRuntime.readOnly(StepRuntime.of(h -> null, (h, db) -> c, null));
        assertSame(c, ro.sql(host, "app"));
        verify(st).execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY");
        verify(c, never()).commit();
    }

    @Test
    void in_a_session_without_autocommit_the_setting_starts_with_the_next_transaction() throws Exception {
        Connection c = mock(Connection.class);
        Statement st = mock(Statement.class);
        when(c.createStatement()).thenReturn(st);
        when(c.getAutoCommit()).thenReturn(false);
        StepRuntime.readOnly(StepRuntime.of(h -> null, (h, db) -> c, null)).sql(host, null);
        InOrder order = inOrder(st, c);
        order.verify(st).execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY");
        order.verify(c).commit();
    }

    @Test
    void a_session_that_cannot_be_made_read_only_is_closed_and_not_handed_out() throws Exception {
        Connection c = mock(Connection.class);
        Statement st = mock(Statement.class);
        when(c.createStatement()).thenReturn(st);
        when(st.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")).thenThrow(new SQLException("gone"));
        StepRuntime ro = StepRuntime.readOnly(StepRuntime.of(h -> null, (h, db) -> c, null));
        assertThrows(SQLException.class, () -> ro.sql(host, "app"));
        verify(c).close();
    }

    @Test
    void transports_and_the_run_id_pass_through() {
        Transport t = mock(Transport.class);
        StepRuntime ro = StepRuntime.readOnly(StepRuntime.of(h -> t, (h, db) -> null, null, "run-1"));
        assertSame(t, ro.transport(host));
        assertSame("run-1", ro.runId());
    }
}
