package io.headroom.llm.internal.shell;

import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.LlmAdmin;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "llm", name = "deployment-put", description = "Creates or replaces a deployment for the whole fleet")
@Service
public class DeploymentPutCommand implements Action {
    @Reference
    LlmAdmin admin;

    @Argument(index = 0, name = "name", required = true)
    String name;

    @Argument(index = 1, name = "provider", required = true, description = "openai, anthropic, bedrock, ...")
    String provider;

    @Argument(index = 2, name = "model", required = true)
    String model;

    @Argument(index = 3, name = "endpoint", required = true, description = "Base URL")
    String endpoint;

    @Option(name = "--api-key", description = "The secret (kept when left out; never shown)")
    String apiKey;

    @Option(name = "--rpm", description = "Requests per minute for the fleet (0: none)")
    int rpm;

    @Option(name = "--tpm", description = "Tokens per minute for the fleet (0: none)")
    int tpm;

    @Option(name = "--input-cost", description = "US dollars per 1,000 input tokens")
    double inputCost;

    @Option(name = "--output-cost", description = "US dollars per 1,000 output tokens")
    double outputCost;

    @Option(name = "--timeout", description = "Timeout, ms")
    long timeoutMillis = 60_000;

    @Option(name = "--allowed-fails", description = "Retryable failures in a row before a cooldown (0: the router's default)")
    int allowedFails;

    @Option(name = "--stream-idle-timeout", description = "Longest silence between a stream's bytes, ms (0: the timeout)")
    long streamIdleTimeoutMillis;

    @Option(name = "--responses-api", description = "mapped (the gateway maps the Responses API onto chat completions, the default)"
            + " or native (passed through to the deployment's own /responses; OpenAI-compatible servers that serve it)")
    String responsesApi = Deployment.RESPONSES_MAPPED;

    @Override
    public Object execute() {
        admin.putDeployment(new Deployment(name, provider, model, endpoint.replaceAll("/+$", ""), apiKey, rpm, tpm, inputCost, outputCost,
                timeoutMillis, allowedFails, streamIdleTimeoutMillis, responsesApi));
        System.out.println("deployment " + name + " saved");
        return null;
    }
}
