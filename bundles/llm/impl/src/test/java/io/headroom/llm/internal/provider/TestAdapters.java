package io.headroom.llm.internal.provider;

import io.headroom.llm.anthropic.internal.AnthropicAdapter;
import io.headroom.llm.api.ProviderAdapter;
import io.headroom.llm.openai.internal.OpenAiAdapter;

/** The real adapters by provider name, as the OSGi whiteboard would hand them to the router. */
public final class TestAdapters {
    private static final ProviderAdapter OPENAI = new OpenAiAdapter();
    private static final ProviderAdapter ANTHROPIC = new AnthropicAdapter();

    private TestAdapters() {
    }

    public static ProviderAdapter byProvider(String provider) {
        return switch (provider) {
            case "openai" -> OPENAI;
            case "anthropic" -> ANTHROPIC;
            default -> null;
        };
    }
}
