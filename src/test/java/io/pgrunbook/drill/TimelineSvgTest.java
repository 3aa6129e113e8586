package io.pgrunbook.drill;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimelineSvgTest {
    private static final Instant T0 = Instant.parse("2026-11-30T09:00:00Z");

    private static Instant at(double s) {
        return T0.plusMillis(Math.round(s * 1000));
    }

    private static List<Element> byClass(Document d, String kind) {
        NodeList rects = d.getElementsByTagName("rect");
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < rects.getLength(); i++) {
            Element e = (Element) rects.item(i);
            if (kind.equals(e.getAttribute("class"))) {
                out.add(e);
            }
        }
        return out;
    }

    private static double x(Element e) {
        return Double.parseDouble(e.getAttribute("x"));
    }

    private static double w(Element e) {
        return Double.parseDouble(e.getAttribute("width"));
    }

    @Test
    void the_picture_is_valid_svg_with_one_mark_per_attempt_one_bar_per_step_and_the_rto_gap_to_scale() throws Exception {
        List<Attempt> attempts = List.of(
                new Attempt(1, at(0), at(0.01), true, "db1", null),
                new Attempt(2, at(1), at(1.01), true, "db1", null),
                new Attempt(3, at(2), at(2.1), false, "db1", "refused"),
                new Attempt(4, at(3), at(3.1), false, "db2", "refused"),
                new Attempt(5, at(4), at(6), true, "db2", null),   // waited in a PAUSE
                new Attempt(6, at(9.95), at(10), true, "db2", null));
        List<DrillReport.StepTime> steps = List.of(
                new DrillReport.StepTime("r", "failover", 1, "Fence <db1> & co", "db1", at(1.5), at(2.5), "ok", "root", "yes (--yes)"),
                new DrillReport.StepTime("r", "failover", 2, "Promote", "db2", at(2.5), at(5), "failed", "root", "yes"));
        DrillReport r = new DrillReport("d", "failover", "lab", "ok", at(1.5), at(5), DrillReport.longestGap(attempts, at(1.5), at(5)),
                true, 6, 4, 2, List.of(), "db2", steps, List.of("r"), "w.tsv");
        String svg = TimelineSvg.render(r, attempts);
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertEquals("svg", d.getDocumentElement().getTagName());
        assertEquals(4, byClass(d, "ok").size());
        assertEquals(2, byClass(d, "refused").size());
        assertEquals(1, byClass(d, "waited").size());
        assertEquals(2, byClass(d, "step").size());
        // 10 s over the plot's width: the RTO (1.01 s to 6 s) is half of it, and starts a tenth in
        double plot = TimelineSvg.WIDTH - TimelineSvg.LEFT - TimelineSvg.RIGHT;
        Element rto = byClass(d, "rto").get(0);
        assertEquals(TimelineSvg.LEFT + 0.101 * plot, x(rto), 0.2);
        assertEquals(0.499 * plot, w(rto), 0.2);
        Element procedure = byClass(d, "procedure").get(0);
        assertEquals(TimelineSvg.LEFT + 0.15 * plot, x(procedure), 0.2);
        assertEquals(0.35 * plot, w(procedure), 0.2);
        Element promote = byClass(d, "step").get(1);
        assertEquals(TimelineSvg.LEFT + 0.25 * plot, x(promote), 0.2);
        assertEquals("#d62728", promote.getAttribute("fill"), "a failed step is red");
        assertTrue(svg.contains("Fence &lt;db1&gt; &amp; co"), svg);
        assertTrue(svg.contains("RTO 4.99 s"), svg);
    }

    @Test
    void ticks_give_about_ten_labels_whatever_the_length() {
        assertEquals(0.5, TimelineSvg.tick(3));
        assertEquals(5, TimelineSvg.tick(42));
        assertEquals(60, TimelineSvg.tick(500));
    }
}
