package io.headroom.bench.bundle;

import com.fasterxml.jackson.jaxrs.json.JacksonJsonProvider;
import org.apache.cxf.BusFactory;
import org.apache.cxf.endpoint.Server;
import org.apache.cxf.jaxrs.JAXRSServerFactoryBean;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/** The same resource published bare on CXF's own servlet: /cxf/bare/tenants/{tenant}/ping, nothing in front. */
@Component(immediate = true)
public class BarePing {
    private final Server server;

    @Activate
    public BarePing() {
        JAXRSServerFactoryBean factory = new JAXRSServerFactoryBean();
        factory.setBus(BusFactory.newInstance().createBus());
        factory.setAddress("/bare");
        factory.setServiceBean(new PingResource());
        factory.setProvider(new JacksonJsonProvider());
        server = factory.create();
    }

    @Deactivate
    void deactivate() {
        server.destroy();
    }
}
