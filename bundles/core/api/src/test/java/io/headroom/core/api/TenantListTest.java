package io.headroom.core.api;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.util.List;
import org.junit.Test;

public class TenantListTest {
    private static final List<String> KNOWN = List.of("acme", "globex", "initech");

    @Test
    public void parsesCommaSeparatedValuesInOrderWithoutRepeats() {
        assertEquals(List.of(TenantId.of("b"), TenantId.of("a"), TenantId.of("c")),
                List.copyOf(TenantList.parse(List.of("b, a", "", "a,,c"))));
        assertEquals(0, TenantList.parse((String) null).size());
        assertThrows(InvalidTenantIdException.class, () -> TenantList.parse("acme,Not Valid"));
    }

    @Test
    public void completesTheTenantBeingTypedAfterThoseAlreadyListed() {
        assertEquals(KNOWN, TenantList.completions("", KNOWN));
        assertEquals(KNOWN, TenantList.completions(null, KNOWN));
        assertEquals("a listed tenant is not offered again", List.of("acme,globex", "acme,initech"), TenantList.completions("acme,gl", KNOWN));
        assertEquals(List.of("acme,initech,globex"), TenantList.completions("acme,initech,", KNOWN));
    }
}
