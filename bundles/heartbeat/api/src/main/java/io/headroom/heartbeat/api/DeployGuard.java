package io.headroom.heartbeat.api;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Watches bundle updates of Headroom capabilities and rolls one back to the previous version when a page-level burn
 * fires for a job it declares during the watch window. Every decision is recorded with its reason.
 */
@ProviderType
public interface DeployGuard {
    /** Guarded deploys, newest first. */
    List<Deploy> deploys(int limit);

    /** Ends the watch of a deploy and keeps its version; false if it is not being watched. */
    boolean accept(long id);
}
