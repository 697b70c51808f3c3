package io.headroom.bench.bundle;

import io.headroom.core.api.rest.RestResource;
import org.osgi.service.component.annotations.Component;

/** The ping resource through the REST host: /api/bench/tenants/{tenant}/ping, authenticated and tenant-checked. */
@Component(service = RestResource.class, property = RestResource.PATH + "=/bench")
public class HostedPing extends PingResource {
}
