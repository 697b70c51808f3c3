package io.headroom.llm.bedrock.internal;

import io.headroom.llm.api.ProviderException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Fetches an image a client gave by http(s) URL, for a vendor that needs the bytes, through a guard: the host must
 * resolve only to public addresses (not loopback, private, link-local, carrier-grade NAT, unique-local, multicast or
 * unspecified) unless the operator's allow-list names the host or the address; redirects are followed by hand (at most
 * 3), each target checked the same way, so a public URL cannot redirect into the private network; the whole fetch is
 * bounded in time and the body in bytes. Every refusal is the client's 400.
 */
final class ImageFetcher {
    private static final int MAX_REDIRECTS = 3;

    private final Set<String> allowed;
    private final long maxBytes;
    private final Duration timeout;
    private final HttpClient http;

    ImageFetcher(List<String> allowList, long maxBytes, long timeoutMillis) {
        this.allowed = allowList.stream().map(s -> s.trim().toLowerCase(Locale.ROOT)).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
        this.maxBytes = maxBytes;
        this.timeout = Duration.ofMillis(timeoutMillis);
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(timeout).build();
    }

    /** The image's bytes and media type. */
    record Image(byte[] bytes, String mediaType) {
    }

    Image fetch(String url) {
        long deadline = System.nanoTime() + timeout.toNanos();
        URI uri = URI.create(url);
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            check(uri);
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw refused("fetching image " + url + " took longer than " + timeout.toMillis() + " ms");
            }
            HttpResponse<InputStream> r;
            try {
                r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofNanos(left)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                throw refused("cannot fetch image " + url + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw refused("interrupted fetching image " + url);
            }
            if (r.statusCode() >= 300 && r.statusCode() < 400) {
                String location = r.headers().firstValue("Location").orElse(null);
                close(r);
                if (location == null) {
                    throw refused("image " + url + " redirected without a Location");
                }
                uri = uri.resolve(location);
                continue;
            }
            if (r.statusCode() != 200) {
                close(r);
                throw refused("image " + url + " answered HTTP " + r.statusCode());
            }
            try (InputStream in = r.body()) {
                byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
                if (bytes.length > maxBytes) {
                    throw refused("image " + url + " is larger than " + maxBytes + " bytes");
                }
                String type = r.headers().firstValue("Content-Type").orElse("").split(";")[0].trim().toLowerCase(Locale.ROOT);
                return new Image(bytes, type);
            } catch (IOException e) {
                throw refused("cannot read image " + url + ": " + e.getMessage());
            }
        }
        throw refused("image " + url + " redirected more than " + MAX_REDIRECTS + " times");
    }

    /** Refuses a URL that is not http(s) or whose host resolves to an address that is not public (and not allowed). */
    void check(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw refused("image URL must be http(s) or data:, not " + uri);
        }
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (allowed.contains(host)) {
            return;
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw refused("image host " + host + " does not resolve");
        }
        for (InetAddress a : addresses) {
            if (!allowed.contains(a.getHostAddress().toLowerCase(Locale.ROOT)) && !isPublic(a)) {
                throw refused("image host " + host + " is not a public address (the operator's allow-list may name it)");
            }
        }
    }

    static boolean isPublic(InetAddress a) {
        if (a.isLoopbackAddress() || a.isSiteLocalAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress() || a.isMulticastAddress()) {
            return false;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first != 0 && !(first == 100 && second >= 64 && second < 128) // carrier-grade NAT
                    && !(first == 192 && second == 0 && (b[2] & 0xff) == 0) && first < 224;
        }
        if (a instanceof Inet6Address) {
            return (b[0] & 0xfe) != 0xfc; // unique-local fc00::/7
        }
        return false;
    }

    private static void close(HttpResponse<InputStream> r) {
        try {
            r.body().close();
        } catch (IOException e) {
            // done with it anyway
        }
    }

    private static ProviderException refused(String message) {
        return new ProviderException(message, 400, false, 0, null);
    }
}
