package io.headroom.core.internal.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Token strings: {@code hr_<id>_<secret>} with a 12-character public id and 256 random bits of secret. Only the
 * SHA-256 of the whole string is stored; with that much entropy a slow password hash would add latency, not safety.
 */
final class TokenFormat {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ID_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";

    private TokenFormat() {
    }

    static String newId() {
        StringBuilder b = new StringBuilder(12);
        for (int i = 0; i < 12; i++) {
            b.append(ID_ALPHABET.charAt(RANDOM.nextInt(ID_ALPHABET.length())));
        }
        return b.toString();
    }

    static String newToken(String id) {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return "hr_" + id + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    /**
     * SHA-256 in lower-case hex. Runs on every authenticated request: the digest is cloned from a prototype (a provider
     * lookup per call showed in the gateway's profile) and the hex written by hand.
     */
    static String hash(String token) {
        byte[] digest;
        try {
            digest = ((MessageDigest) SHA256.clone()).digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (CloneNotSupportedException e) {
            try {
                digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            } catch (NoSuchAlgorithmException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
        char[] hex = new char[digest.length * 2];
        for (int i = 0; i < digest.length; i++) {
            hex[2 * i] = HEX[(digest[i] >> 4) & 0xf];
            hex[2 * i + 1] = HEX[digest[i] & 0xf];
        }
        return new String(hex);
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();
    /** Never used directly (not thread-safe): each call digests with its own clone. */
    private static final MessageDigest SHA256 = sha256();

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
