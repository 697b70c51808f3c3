package io.headroom.llm.internal;

import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.LlmAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * One deployment per factory configuration {@code io.headroom.llm.deployment} (etc/io.headroom.llm.deployment-NAME.cfg):
 * a seed of the fleet's deployments in the control schema. It does not overwrite a deployment changed through the API,
 * and removing the file leaves the deployment in place (remove it through the API or the shell).
 */
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

        @AttributeDefinition(description = "Price per 1,000 tokens (input and output, unless set apart below), US dollars")
        double costPer1kTokens() default 0;

        @AttributeDefinition(description = "Price per 1,000 input tokens (-1: costPer1kTokens)")
        double inputCostPer1kTokens() default -1;

        @AttributeDefinition(description = "Price per 1,000 output tokens (-1: costPer1kTokens)")
        double outputCostPer1kTokens() default -1;

        long timeoutMillis() default 60_000;

        @AttributeDefinition(description = "Retryable failures in a row before a cooldown (0: the router's allowedFails)")
        int allowedFails() default 0;

        @AttributeDefinition(description = "Longest silence between a stream's bytes, ms (0: timeoutMillis); timeoutMillis still bounds the wait for the first byte")
        long streamIdleTimeoutMillis() default 0;

        @AttributeDefinition(description = "How the Responses API reaches the deployment: mapped (onto chat completions by the gateway)"
                + " or native (passed through to its own /responses; OpenAI-compatible servers that serve it)")
        String responsesApi() default "mapped";
    }

    @Activate
    public DeploymentConfiguration(@Reference LlmAdmin admin, Config c) {
        Deployment d = new Deployment(c.name(), c.provider(), c.model(), c.endpoint().replaceAll("/+$", ""), c.apiKey(),
                c.requestsPerMinute(), c.tokensPerMinute(), c.inputCostPer1kTokens() < 0 ? c.costPer1kTokens() : c.inputCostPer1kTokens(),
                c.outputCostPer1kTokens() < 0 ? c.costPer1kTokens() : c.outputCostPer1kTokens(), c.timeoutMillis(), c.allowedFails(),
                c.streamIdleTimeoutMillis(), c.responsesApi());
        if (admin instanceof LlmRouterService service) {
            service.seedDeployment(d);
        } else {
            admin.putDeployment(d);
        }
    }
}
