package io.headroom.llm.api;

/**
 * One part of a message's content: {@code text}, or an {@code image} given by {@code url} (a {@code data:} URL or
 * an http(s) URL) with OpenAI's {@code detail} ({@code null}: not given).
 */
public record ContentPart(String type, String text, String url, String detail) {
    public static final String TEXT = "text";
    public static final String IMAGE = "image";

    public ContentPart {
        if (TEXT.equals(type)) {
            if (text == null) {
                throw new IllegalArgumentException("a text part needs its text");
            }
        } else if (IMAGE.equals(type)) {
            if (url == null || url.isBlank()) {
                throw new IllegalArgumentException("an image part needs its url");
            }
        } else {
            throw new IllegalArgumentException("content part type must be text or image_url, not '" + type + "'");
        }
    }

    public static ContentPart text(String text) {
        return new ContentPart(TEXT, text, null, null);
    }

    public static ContentPart image(String url, String detail) {
        return new ContentPart(IMAGE, null, url, detail);
    }

    public boolean isImage() {
        return IMAGE.equals(type);
    }

    /** Whether the image is inline, a {@code data:<media type>;base64,<data>} URL. */
    public boolean isDataUrl() {
        return isImage() && url.regionMatches(true, 0, "data:", 0, 5);
    }

    /** A data URL's media type, e.g. image/png. */
    public String mediaType() {
        int semi = url.indexOf(';');
        int comma = url.indexOf(',');
        int end = semi > 0 && semi < comma ? semi : comma;
        if (!isDataUrl() || end < 5) {
            throw new IllegalArgumentException("not a data: URL");
        }
        return url.substring(5, end).toLowerCase(java.util.Locale.ROOT);
    }

    /** A data URL's base64 payload. */
    public String base64Data() {
        int comma = url.indexOf(',');
        if (!isDataUrl() || comma < 0 || !url.substring(0, comma).toLowerCase(java.util.Locale.ROOT).endsWith(";base64")) {
            throw new IllegalArgumentException("an image data: URL must be base64-encoded");
        }
        return url.substring(comma + 1);
    }
}
