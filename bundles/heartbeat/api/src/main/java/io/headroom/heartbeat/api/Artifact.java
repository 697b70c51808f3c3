package io.headroom.heartbeat.api;

import java.util.List;

/** An uploaded bundle jar kept in the control schema: its name and version (from its manifest), checksum and jobs. */
public record Artifact(String sha256, String unit, String version, long size, List<String> jobs, String uploadedAt) {
}
