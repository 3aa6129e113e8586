package io.pgrunbook.doctor;

import java.util.List;

/** Every finding of {@code doctor}; it passes when nothing failed (a SKIP is not a failure). */
public record DoctorReport(String cluster, List<Finding> findings) {
    public boolean passed() {
        return findings.stream().noneMatch(f -> f.result() == Finding.Result.FAIL);
    }
}
