package io.headroom.heartbeat.internal.rest;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.headroom.heartbeat.api.Alert;
import java.util.List;
import java.util.Map;
import org.junit.Test;

public class StatusPageTest {
    private static Alert page(String tenant) {
        return new Alert(1, tenant, "checkout.pay", Alert.PAGE, "fast", 20, 20, "2026-12-07T05:00:00Z", null);
    }

    @Test
    public void aTenantsPageIsShownAsThatTenantsNotAsThePlatformPaging() {
        String html = StatusPage.render(List.of(), List.of(), List.of(page("initech"), page("<b>")), Map.of());
        assertTrue(html, html.contains("id=\"overall\" class=\"ok\">OK"));
        assertTrue(html, html.contains("id=\"tenant-pages\"") && html.contains("initech") && html.contains("&lt;b&gt;"));
    }

    @Test
    public void aPlatformWidePagePagesThePlatform() {
        String html = StatusPage.render(List.of(), List.of(), List.of(page(null)), Map.of());
        assertTrue(html, html.contains("id=\"overall\" class=\"bad\">PAGING"));
        assertFalse(html, html.contains("id=\"tenant-pages\""));
    }
}
