package io.headroom.heartbeat.api;

/**
 * What to release: a bundle (symbolic name) at a version, taken from an uploaded artifact of that name and version
 * unless {@code source} names a Maven location ({@code mvn:group/artifact/version}) every node can reach; or a Karaf
 * feature ({@code unit} {@code feature:<name>}) at a version, from the features repository {@code source} names
 * ({@code mvn:...}, {@code file:}, {@code http(s):}); canary nodes first, then {@code steps} ({@code 1,50%,100%}),
 * each watched for {@code watchSeconds}.
 */
public record ReleaseRequest(String unit, String version, String source, int canary, String steps, long watchSeconds) {
}
