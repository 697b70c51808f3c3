package io.headroom.example.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.example.api.Greeting;
import io.headroom.example.api.Greetings;
import org.junit.Test;

public class GreetingRulesTest {
    private static final TenantId ACME = TenantId.of("acme");
    private final GreetingRules rules = new GreetingRules("hello");

    @Test
    public void aTenantWithoutAGreetingSeesTheDefaultNeverUpdated() {
        assertEquals(new Greeting(ACME, "hello", 0), rules.initial(ACME));
    }

    @Test
    public void eachUpdateCountsFromWhatIsStored() {
        Greeting first = rules.next(ACME, null, "hi");
        assertEquals(new Greeting(ACME, "hi", 1), first);
        assertEquals(new Greeting(ACME, "hey", 2), rules.next(ACME, first, "hey"));
    }

    @Test
    public void messagesAreOneToTwoHundredCharactersAndNotBlank() {
        assertEquals("x".repeat(Greetings.MAX_MESSAGE), GreetingRules.check("x".repeat(Greetings.MAX_MESSAGE)));
        for (String bad : new String[] {null, "", "   ", "x".repeat(Greetings.MAX_MESSAGE + 1)}) {
            String message = assertThrows(IllegalArgumentException.class, () -> rules.next(ACME, null, bad)).getMessage();
            assertTrue(message, message.contains("'message' is required, 1-200 characters"));
        }
        assertThrows("the configured default follows the same rule", IllegalArgumentException.class, () -> new GreetingRules(" "));
    }
}
