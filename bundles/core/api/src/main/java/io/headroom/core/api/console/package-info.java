/**
 * The operator console at {@code /api/console}: one page showing every capability's state at a glance. Each capability
 * contributes a {@link io.headroom.core.api.console.ConsolePanel} service (it goes away with its bundle); the page is
 * rendered on the server with inline SVG charts ({@link io.headroom.core.api.console.Html}), so it needs no script, no
 * CDN and no second request.
 */
@Export
@Version("1.0.0")
package io.headroom.core.api.console;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
