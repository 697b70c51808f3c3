package io.headroom.queue.api;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.InvalidJobNameException;
import io.headroom.core.api.JobName;
import io.headroom.core.api.TenantId;
import java.util.Random;
import org.junit.Test;

public class JobRequestTest {
    private static final TenantId ACME = TenantId.of("acme");

    private static JobRequest request(String type) {
        return new JobRequest(ACME, type, "", null, null);
    }

    @Test
    public void theLongestTypeStillMakesAValidOutcomeName() {
        String longest = "t".repeat(JobRequest.MAX_TYPE_LENGTH);
        assertEquals(longest, request(longest).type());
        assertEquals(JobName.MAX_LENGTH, JobRequest.outcomeJob(longest).length());
        assertTrue(JobName.isValid(JobRequest.outcomeJob(longest)));
        String message = assertThrows(InvalidJobNameException.class, () -> request(longest + "t")).getMessage();
        assertTrue(message, message.startsWith("invalid job type '") && message.contains("use 1-" + JobRequest.MAX_TYPE_LENGTH + " characters"));
    }

    /** Whatever the queue accepts as a type, its outcome name is a job name (and so a valid SLO name). */
    @Test
    public void everyAcceptedTypeMakesAValidOutcomeName() {
        String alphabet = "abcxyz0189._-A /";
        Random random = new Random(19);
        int accepted = 0;
        for (int i = 0; i < 20_000; i++) {
            int length = random.nextInt(JobName.MAX_LENGTH + 10);
            StringBuilder type = new StringBuilder();
            for (int c = 0; c < length; c++) {
                type.append(alphabet.charAt(random.nextInt(i % 2 == 0 ? alphabet.length() - 3 : alphabet.length())));
            }
            try {
                request(type.toString());
            } catch (IllegalArgumentException refused) {
                continue;
            }
            accepted++;
            assertTrue(type.toString(), JobName.isValid(JobRequest.outcomeJob(type.toString())));
        }
        assertTrue("the sample holds accepted types: " + accepted, accepted > 1_000);
    }

    @Test
    public void badTypesAndKeysSayWhatIsWrong() {
        assertTrue(assertThrows(InvalidJobNameException.class, () -> request("Render PDF")).getMessage().contains("invalid job type 'Render PDF'"));
        assertTrue(assertThrows(InvalidJobNameException.class, () -> request(null)).getMessage().contains("job type"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new JobRequest(ACME, "pdf", "", null, "a b"))
                .getMessage().contains("idempotency key"));
    }
}
