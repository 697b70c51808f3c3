package io.headroom.sharding.api;

/**
 * A shard whose definition of a sharded table differs from the recorded schema: {@code problem} is {@code missing},
 * {@code differs: ...} (the first differing line of SHOW CREATE TABLE, expected and found) or {@code unreachable: ...}.
 */
public record SchemaDrift(String shard, String table, String problem) {
}
