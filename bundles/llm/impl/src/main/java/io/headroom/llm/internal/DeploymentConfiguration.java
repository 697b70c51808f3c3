package io.headroom.llm.internal;

import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.LlmAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** One deployment per factory configuration {@code io.headroom.llm.deployment} (etc/io.headroom.llm.deployment-NAME.cfg). */
@Component(configurationPid = "io.headroom.llm.deployment", configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
@Designate(ocd = DeploymentConfiguration.Config.class, factory = true)
public final class DeploymentConfiguration {
    @ObjectClassDefinition(name = "Headroom LLM deployment")
    public @interface Config {
        String name();

        @AttributeDefinition(description = "Adapter: openai (and compatible servers) or anthropic")
        String provider();

        String model();

        @AttributeDefinition(description = "Base URL, e.g. https://api.openai.com/v1 or https://api.anthropic.com")
        String endpoint();

        @AttributeDefinition(type = AttributeType.PASSWORD)
        String apiKey() default "";

        @AttributeDefinition(description = "0: no limit")
        int requestsPerMinute() default 0;

        @AttributeDefinition(description = "0: no limit")
        int tokensPerMinute() default 0;

        double costPer1kTokens() default 0;

        long timeoutMillis() default 60_000;
    }

    private final LlmAdmin admin;
    private final String name;

    @Activate
    public DeploymentConfiguration(@Reference LlmAdmin admin, Config c) {
        this.admin = admin;
        this.name = c.name();
        admin.putDeployment(new Deployment(c.name(), c.provider(), c.model(), c.endpoint().replaceAll("/+$", ""), c.apiKey(),
                c.requestsPerMinute(), c.tokensPerMinute(), c.costPer1kTokens(), c.timeoutMillis()));
    }

    @Deactivate
    void deactivate() {
        admin.removeDeployment(name);
    }
}
