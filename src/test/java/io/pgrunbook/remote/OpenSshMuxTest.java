package io.pgrunbook.remote;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class OpenSshMuxTest {

    @Test
    void only_ssh_multiplexing_lines_are_taken_out_of_stderr() {
        String refused = OpenSshTransport.MUX_REFUSED;
        String sock = "ControlSocket /root/.cache/pgrunbook/ssh/abc already exists, disabling multiplexing";
        assertEquals("ERROR: x\nlast", OpenSshTransport.withoutLines(refused + "\nERROR: x\n" + sock + "\nlast",
                refused, sock));
        assertEquals("", OpenSshTransport.withoutLines(refused + "\n", refused, sock));
        assertEquals("a\n", OpenSshTransport.withoutLines("a\n", refused, sock));
        // a line that only mentions it is the command's own
        assertEquals("echo " + refused, OpenSshTransport.withoutLines("echo " + refused, refused, sock));
    }

    @Test
    void a_command_run_beside_the_master_lowers_the_limit_to_the_others_running() throws Exception {
        SessionLimit l = new SessionLimit(8);
        for (int i = 0; i < 3; i++) {
            l.acquire();
            l.opened();
        }
        l.ranBeside(); // one of the three: the two others are what the host allows
        assertEquals(2, l.limit());
        l.release(true);
        l.release(true);
        l.ranBeside(); // alone: says nothing of the limit
        assertEquals(2, l.limit());
    }
}
