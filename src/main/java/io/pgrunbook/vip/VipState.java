package io.pgrunbook.vip;

import java.util.List;

/**
 * Who holds the virtual IP now.
 *
 * @param address   the VIP (no prefix)
 * @param expected  the host that should hold it by the live state (null: no primary, or none fits)
 * @param holders   the hosts whose interface has it
 * @param unchecked the hosts that could not be asked, each with why
 */
public record VipState(String address, String expected, List<String> holders, List<String> unchecked) {

    public VipState withExpected(String host) {
        return new VipState(address, host, holders, unchecked);
    }

    /** Held by exactly the host it should be. */
    public boolean right() {
        return expected != null && holders.equals(List.of(expected));
    }

    /** What is wrong, for status' notes, with the next command; empty when nothing is. */
    public List<String> problems() {
        String move = expected == null ? "" : "; move it with: pgrunbook run vip-move --param to=" + expected;
        if (holders.size() > 1) {
            return List.of("VIP " + address + " is held by " + holders.size() + " hosts (" + String.join(", ", holders)
                    + "): clients reach either" + (expected != null ? "; it belongs on " + expected : "") + move);
        }
        if (holders.isEmpty()) {
            if (!unchecked.isEmpty()) {
                return List.of("VIP " + address + " is held by no host that answered (" + String.join("; ", unchecked) + ")" + move);
            }
            return List.of("VIP " + address + " is held by no host: clients cannot connect" + move);
        }
        if (expected != null && !holders.get(0).equals(expected)) {
            return List.of("VIP " + address + " is on " + holders.get(0) + ", not on " + expected + ": clients do not reach the primary" + move);
        }
        return List.of();
    }
}
