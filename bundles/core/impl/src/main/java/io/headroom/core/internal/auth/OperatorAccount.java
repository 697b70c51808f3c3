package io.headroom.core.internal.auth;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The operator account of a distribution's {@code etc/users.properties}, checked at start: a distribution that has
 * no user with a password yet gets one user {@code karaf} in the operators' group with a generated password (written
 * to the file, so kept across restarts, and shown once by the caller); users whose password is fixed (empty, equal to
 * the user name, or {@code karaf}) are named so the caller can refuse them on a non-loopback address. Plain file
 * work, no OSGi: the component around it decides what to print.
 */
public final class OperatorAccount {
    public static final String USER = "karaf";
    static final String GROUP = "_g_:admingroup";
    private static final char[] ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private OperatorAccount() {
    }

    /** Adds {@code karaf} with a generated password when the file has no user yet; returns the password, or null. */
    public static String ensureOperator(Path usersFile) throws IOException {
        if (!users(usersFile).isEmpty()) {
            return null;
        }
        String password = newPassword();
        Files.writeString(usersFile, System.lineSeparator() + "# generated at first start: change it with jaas:user-add/jaas:update"
                        + System.lineSeparator() + USER + " = " + password + "," + GROUP + System.lineSeparator(),
                StandardCharsets.ISO_8859_1, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        return password;
    }

    /** Users whose password anyone could guess: empty, the user's own name, or {@code karaf}. */
    public static List<String> fixedPasswords(Path usersFile) throws IOException {
        List<String> out = new ArrayList<>();
        Properties users = users(usersFile);
        for (String user : users.stringPropertyNames()) {
            String password = users.getProperty(user).split(",", 2)[0].trim();
            if (password.isEmpty() || password.equals(user) || password.equals(USER)) {
                out.add(user);
            }
        }
        out.sort(null);
        return out;
    }

    /** Users (not groups) of the file. */
    static Properties users(Path usersFile) throws IOException {
        Properties all = new Properties();
        if (Files.exists(usersFile)) {
            try (Reader r = Files.newBufferedReader(usersFile, StandardCharsets.ISO_8859_1)) {
                all.load(r);
            }
        }
        Properties users = new Properties();
        for (String key : all.stringPropertyNames()) {
            if (!key.startsWith("_g_:")) {
                users.setProperty(key, all.getProperty(key));
            }
        }
        return users;
    }

    /** 20 characters of an unambiguous alphabet: about 115 bits. */
    public static String newPassword() {
        char[] p = new char[20];
        for (int i = 0; i < p.length; i++) {
            p[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return new String(p);
    }

    /** True for an address only this machine can reach (an empty or absent address means every interface). */
    public static boolean loopback(String address) {
        if (address == null || address.isBlank()) {
            return false;
        }
        for (String a : address.split(",")) {
            String h = a.trim();
            if (!(h.equals("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("[::1]"))) {
                return false;
            }
        }
        return true;
    }
}
