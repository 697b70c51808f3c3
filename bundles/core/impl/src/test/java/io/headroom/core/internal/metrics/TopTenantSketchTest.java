package io.headroom.core.internal.metrics;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.Test;

public class TopTenantSketchTest {
    private final AtomicLong clock = new AtomicLong(1_000_000);

    @Test
    public void theHeavyTenantsAreOnTopAmongAHundredThousandLightOnes() {
        TopTenantSketch sketch = new TopTenantSketch(200, 10, 300_000, clock::get);
        Random r = new Random(7);
        for (int i = 0; i < 300_000; i++) {
            clock.addAndGet(1);
            if (i % 3 == 0) {
                sketch.add("heavy-" + r.nextInt(5), 1); // five tenants with a third of all load
            } else {
                sketch.add("light-" + r.nextInt(100_000), 1);
            }
        }
        List<String> top = sketch.top();
        assertEquals(10, top.size());
        assertEquals("the five heavy tenants lead", List.of(0, 1, 2, 3, 4).stream().map(n -> "heavy-" + n).sorted().toList(),
                top.subList(0, 5).stream().sorted().toList());
    }

    @Test
    public void aTenantThatStoppedGivesItsPlaceToOneBusyNow() {
        TopTenantSketch sketch = new TopTenantSketch(20, 2, 60_000, clock::get);
        for (int i = 0; i < 1000; i++) {
            sketch.add("yesterday", 1);
            sketch.add("steady", 0.5);
        }
        assertTrue(sketch.top().contains("yesterday"));
        clock.addAndGet(30 * 60_000); // half an hour, thirty half-lives
        for (int i = 0; i < 50; i++) {
            sketch.add("now", 1);
            sketch.add("steady", 0.5);
            clock.addAndGet(1000);
        }
        assertTrue(sketch.top().contains("now"));
        assertFalse(sketch.top().contains("yesterday"));
    }

    @Test
    public void memoryStaysWithinItsCounters() {
        TopTenantSketch sketch = new TopTenantSketch(50, 10, 300_000, clock::get);
        for (int i = 0; i < 100_000; i++) {
            assertFalse("a one-off tenant among thousands is not labelled by name", sketch.add("t" + i, 1) && i > 1000);
        }
        assertTrue(sketch.top().size() <= 10);
    }
}
