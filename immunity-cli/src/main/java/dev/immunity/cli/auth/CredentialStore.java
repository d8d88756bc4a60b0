package dev.immunity.cli.auth;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.immunity.core.json.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The tokens {@code immunity login} stored, one entry per server URL, in {@code credentials.json} under the
 * user's configuration directory. The directory is created with mode 0700 and the file written with mode
 * 0600 (owner only) before any token goes into it, then moved into place atomically.
 */
public final class CredentialStore {
    /** The file's name in the configuration directory. */
    public static final String FILE = "credentials.json";
    private static final TypeReference<TreeMap<String, Credentials>> TYPE = new TypeReference<>() {
    };

    private final Path dir;

    public CredentialStore(Path configDir) {
        this.dir = configDir;
    }

    /** The file the tokens are kept in. */
    public Path file() {
        return dir.resolve(FILE);
    }

    /** The stored credentials for a server. */
    public synchronized Optional<Credentials> get(URI server) {
        return Optional.ofNullable(readAll().get(key(server)));
    }

    /** Stores (or replaces) the credentials for a server. */
    public synchronized void put(URI server, Credentials credentials) {
        Map<String, Credentials> all = readAll();
        all.put(key(server), credentials);
        write(all);
    }

    /** Removes a server's credentials; whether there were any. */
    public synchronized boolean remove(URI server) {
        Map<String, Credentials> all = readAll();
        boolean had = all.remove(key(server)) != null;
        if (had) {
            write(all);
        }
        return had;
    }

    private static String key(URI server) {
        String s = server.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private TreeMap<String, Credentials> readAll() {
        Path f = file();
        if (!Files.exists(f)) {
            return new TreeMap<>();
        }
        try {
            return Json.mapper().readValue(Files.readAllBytes(f), TYPE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage()
                    + " (remove it and run 'immunity login' again)", e);
        }
    }

    private void write(Map<String, Credentials> all) {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                posix(dir, "rwx------");
            }
            Path tmp = dir.resolve(FILE + ".tmp");
            Files.deleteIfExists(tmp);
            try {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(tmp); // not a POSIX file system (Windows): the profile directory's ACL applies
            } catch (FileAlreadyExistsException e) {
                throw new IOException("another immunity process is writing " + tmp, e);
            }
            Files.write(tmp, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(all));
            try {
                Files.move(tmp, file(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file(), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file() + ": " + e.getMessage(), e);
        }
    }

    private static void posix(Path p, String perms) throws IOException {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
    }
}
