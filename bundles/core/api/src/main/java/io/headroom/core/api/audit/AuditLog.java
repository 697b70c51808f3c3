package io.headroom.core.api.audit;

import java.time.Instant;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/** The platform's audit log, in the control schema. */
@ProviderType
public interface AuditLog {
    /**
     * Records an action. Never blocks the caller: entries reach the control schema within about a second, and wait in
     * memory (a bounded number, counted when dropped) while it is unreachable.
     */
    void record(AuditEntry entry);

    /**
     * The most recent entries, newest first, of every node. {@code actor} matches exactly, {@code action} is a
     * substring of the action or the target; null or blank means any; {@code since} null means any time.
     */
    List<AuditEntry> entries(String actor, String action, Instant since, int limit);
}
