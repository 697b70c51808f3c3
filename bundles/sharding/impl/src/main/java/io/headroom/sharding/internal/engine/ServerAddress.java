package io.headroom.sharding.internal.engine;

import java.net.URI;

/** Host, port and database of a shard's JDBC URL, for the binlog client and SHOW MASTER STATUS. */
record ServerAddress(String host, int port, String database) {
    static ServerAddress of(String jdbcUrl) {
        String rest = jdbcUrl.substring(jdbcUrl.indexOf("//") - 0);
        URI u = URI.create("mysql:" + rest);
        String path = u.getPath() == null ? "" : u.getPath();
        String db = path.startsWith("/") ? path.substring(1) : path;
        if (db.isEmpty()) {
            throw new IllegalArgumentException("shard URL " + jdbcUrl + " names no database");
        }
        return new ServerAddress(u.getHost(), u.getPort() < 0 ? 3306 : u.getPort(), db);
    }
}
