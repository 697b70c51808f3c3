/** LLM routing: AI calls across several model providers that survive any one of them failing. */
@Export
@Version("1.7.0")
package io.headroom.llm.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
