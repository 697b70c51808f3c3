package io.headroom.llm.internal.rest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.rest.ProblemException;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.internal.core.ProviderRefusal;
import org.junit.Test;

/** A provider's refusal reaches operators with its words and tenants without them (nor the deployment's name). */
public class ProviderRefusalProblemTest {
    private static final ProviderRefusal REFUSAL = new ProviderRefusal("gpt-4o", new ProviderException(
            "azure-east-2 answered HTTP 401: Incorrect API key provided: sk-proj-abc***xyz", 401, false, 0, null));

    @Test
    public void tenantsGetTheRouteAndStatusOnly() {
        ProblemException p = LlmResource.problem(REFUSAL, true);
        assertEquals("the platform's credentials, not the tenant's request: a bad gateway for them", 502, p.status());
        assertFalse(p.detail(), p.detail().contains("azure-east-2") || p.detail().contains("API key") || p.detail().contains("sk-"));
        assertTrue(p.detail(), p.detail().contains("gpt-4o") && p.detail().contains("HTTP 401"));
    }

    @Test
    public void operatorsKeepTheProvidersWords() {
        ProblemException p = LlmResource.problem(REFUSAL, false);
        assertEquals(401, p.status());
        assertTrue(p.detail(), p.detail().contains("azure-east-2 answered HTTP 401: Incorrect API key"));
    }

    @Test
    public void aTenantsBadRequestKeepsItsStatus() {
        ProviderRefusal bad = new ProviderRefusal("gpt-4o", new ProviderException("azure-east-2 answered HTTP 400: context too long",
                400, false, 0, null));
        ProblemException p = LlmResource.problem(bad, true);
        assertEquals(400, p.status());
        assertFalse(p.detail(), p.detail().contains("azure-east-2") || p.detail().contains("context too long"));
    }

    @Test
    public void aStreamCutOffTellsTenantsTheStatusOnly() {
        ProviderException broken = new ProviderException("azure-east-2: stream broken: connection reset by 10.0.0.7", 0, true, 0, null);
        assertFalse(LlmResource.message(broken, true).contains("azure-east-2"));
        assertEquals("azure-east-2: stream broken: connection reset by 10.0.0.7", LlmResource.message(broken, false));
        String failed = LlmResource.message(new ProviderException("azure-east-2 answered HTTP 500: oops", 500, true, 0, null), true);
        assertTrue(failed, failed.contains("HTTP 500") && !failed.contains("oops") && !failed.contains("azure"));
    }
}
