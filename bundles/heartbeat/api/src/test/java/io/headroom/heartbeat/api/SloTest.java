package io.headroom.heartbeat.api;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.InvalidJobNameException;
import io.headroom.core.api.JobName;
import org.junit.Test;

public class SloTest {
    @Test
    public void everyJobNameCanHaveAnSlo() {
        for (String job : new String[] {"a", "llm.answer", "queue." + "t".repeat(JobName.MAX_LENGTH - 6), "x".repeat(JobName.MAX_LENGTH)}) {
            assertEquals(job, new Slo(job, 0.99, null, null).job());
            assertTrue(Slo.isValidJob(job));
        }
    }

    @Test
    public void anythingElseIsRefusedWithWhatIsWrong() {
        String message = assertThrows(InvalidJobNameException.class, () -> new Slo("Chat Start", 0.99, null, null)).getMessage();
        assertTrue(message, message.startsWith("invalid job name 'Chat Start'"));
        assertThrows(InvalidJobNameException.class, () -> new Slo("x".repeat(JobName.MAX_LENGTH + 1), 0.99, null, null));
        assertThrows(IllegalArgumentException.class, () -> new Slo("a.job", 1.0, null, null));
        assertThrows(IllegalArgumentException.class, () -> new Slo("a.job", 0.9, 0L, null));
    }
}
