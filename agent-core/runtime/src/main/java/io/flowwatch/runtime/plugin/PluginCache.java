package io.flowwatch.runtime.plugin;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Plugin zips, extracted once and kept between starts. Unpacking every zip on every start cost
 * seconds (the DuckDB driver alone is 80 MB, in two plugins) for each CLI command, and wrote
 * hundreds of MB per start.
 *
 * <p>An entry is {@code <zip name>-<key>}, the key a hash of the zip's real path, size and
 * modification time: an upgraded or rebuilt zip gets a new entry. Entries are extracted into a
 * temporary directory, listed in a manifest (every file and its size) and renamed into place, so
 * an entry is either whole or absent; on reuse the manifest is checked, so an entry that a /tmp
 * cleaner has thinned out is extracted again rather than loaded half.
 *
 * <p>Every process using an entry holds a shared lock on its {@code .lock} file until it closes;
 * pruning takes the lock exclusively, so an entry in use by a running agent is never deleted.
 * Pruning keeps, besides the entries in use, the most recently used other entry of each zip name
 * (so switching between two installs does not extract each time).
 *
 * <p>The cache directory must be a real directory owned by this user and writable by nobody
 * else (code is loaded from it); {@link #open} refuses anything else, and the caller then
 * extracts into a private temporary directory as before.
 */
final class PluginCache implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PluginCache.class);

    static final String MANIFEST = ".flowwatch-manifest";
    private static final String LOCK = ".lock";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    /** Locks this JVM holds, by lock file: a JVM cannot lock one file twice, and tests load plugins many times. */
    private static final Map<Path, Held> HELD = new HashMap<>();

    private final Path root;
    private final List<Path> locked = new ArrayList<>();

    private PluginCache(Path root) {
        this.root = root;
    }

    /**
     * The cache to use when nothing is configured: {@code $CACHE_DIRECTORY/plugins} under systemd's
     * {@code CacheDirectory=}, else a per-user directory in the temporary directory.
     */
    static Path defaultRoot() {
        String configured = System.getProperty("flowwatch.plugin-cache");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String systemd = System.getenv("CACHE_DIRECTORY");
        if (systemd != null && !systemd.isBlank() && !systemd.contains(":")) {
            return Path.of(systemd, "plugins");
        }
        String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
        return Path.of(System.getProperty("java.io.tmpdir"), "flowwatch-plugin-cache-" + user);
    }

    /** The cache at {@code root}, created owner-only when missing; empty (with the reason logged) when it cannot be trusted. */
    static Optional<PluginCache> open(Path root) {
        try {
            try {
                Files.createDirectories(root.getParent());
                Files.createDirectory(root, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } catch (FileAlreadyExistsException e) {
                // checked below
            } catch (UnsupportedOperationException e) {
                return refuse(root, "the file system has no POSIX permissions");
            }
            BasicFileAttributes attrs = Files.readAttributes(root, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!attrs.isDirectory()) {
                return refuse(root, "not a directory (symlinks are not followed)");
            }
            UserPrincipal owner = Files.getOwner(root, LinkOption.NOFOLLOW_LINKS);
            UserPrincipal me = currentUser(root);
            if (!owner.equals(me)) {
                return refuse(root, "owned by " + owner.getName() + ", not " + me.getName());
            }
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(root, LinkOption.NOFOLLOW_LINKS);
            if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
                return refuse(root, "writable by others (" + PosixFilePermissions.toString(perms) + ")");
            }
            return Optional.of(new PluginCache(root));
        } catch (IOException | RuntimeException e) {
            return refuse(root, e.toString());
        }
    }

    private static Optional<PluginCache> refuse(Path root, String why) {
        log.warn("plugins: not using the plugin cache {}: {}; extracting into a private temporary directory", root, why);
        return Optional.empty();
    }

    /** Who this process runs as, as the file system names owners: the owner of a file it just created. */
    private static UserPrincipal currentUser(Path dir) throws IOException {
        Path probe = Files.createTempFile(dir, ".owner-", "");
        try {
            return Files.getOwner(probe);
        } finally {
            Files.deleteIfExists(probe);
        }
    }

    Path root() {
        return root;
    }

    /**
     * The extracted contents of {@code zip}, extracted now when no whole entry exists, and held
     * (shared lock) until {@link #close}. Throws what extraction throws for a bad zip.
     */
    Path entryFor(Path zip) throws IOException {
        String name = zip.getFileName().toString();
        Path entry = root.resolve(name.substring(0, name.length() - ".zip".length()) + "-" + key(zip));
        for (int attempt = 0; attempt < 3; attempt++) {
            if (!Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                extractInto(zip, entry);
            }
            if (!hold(entry)) {
                continue; // pruned between the check and the lock: extract again
            }
            if (whole(entry)) {
                // The manifest's time is when the entry was last used (the directory's changes with its lock file).
                Files.setLastModifiedTime(entry.resolve(MANIFEST), FileTime.fromMillis(System.currentTimeMillis()));
                return entry;
            }
            log.warn("plugins: cached {} is incomplete (files removed from {}?); extracting it again", name, root);
            release(entry);
            discard(entry);
        }
        throw new IOException("could not set up " + entry + " (removed again each time it was extracted)");
    }

    /** Deletes entries nobody holds, except what {@code keep} names and the newest entry of each zip name. */
    int prune(Collection<Path> keep) {
        Map<String, Path> newestByZip = new HashMap<>();
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(root)) {
            for (Path p : s) {
                String n = p.getFileName().toString();
                if (n.startsWith(".extracting-") || n.startsWith(".discarded-")) {
                    if (olderThanAnHour(p)) {
                        PluginRuntime.deleteTree(p); // left by a process killed while extracting
                    }
                    continue;
                }
                if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) || keep.contains(p)) {
                    continue;
                }
                entries.add(p);
                String zipName = n.replaceFirst("-[0-9a-f]{16}$", "");
                newestByZip.merge(zipName, p, (a, b) -> lastUsed(a) >= lastUsed(b) ? a : b);
            }
        } catch (IOException e) {
            log.debug("plugins: could not list {}", root, e);
            return 0;
        }
        Set<Path> newest = Set.copyOf(newestByZip.values());
        int removed = 0;
        for (Path p : entries) {
            if (!newest.contains(p) && discardIfUnused(p)) {
                removed++;
            }
        }
        return removed;
    }

    @Override
    public void close() {
        for (Path entry : locked) {
            release(entry);
        }
        locked.clear();
    }

    private static String key(Path zip) throws IOException {
        BasicFileAttributes a = Files.readAttributes(zip, BasicFileAttributes.class);
        String id = zip.toRealPath() + "\0" + a.size() + "\0" + a.lastModifiedTime().toMillis() + "\0" + a.fileKey();
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void extractInto(Path zip, Path entry) throws IOException {
        Path tmp = Files.createTempDirectory(root, ".extracting-");
        try {
            PluginRuntime.extract(zip, tmp);
            writeManifest(tmp);
            try {
                Files.move(tmp, entry, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                log.debug("plugins: {} was extracted by another process meanwhile", entry);
            } catch (FileSystemException e) {
                if (!Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    throw e;
                }
                // rename(2) onto a non-empty directory: another process won the race.
            }
        } finally {
            PluginRuntime.deleteTree(tmp);
        }
    }

    private static void writeManifest(Path dir) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                sb.append(Files.size(f)).append(' ').append(dir.relativize(f).toString().replace('\\', '/')).append('\n');
            }
        }
        Files.writeString(dir.resolve(MANIFEST), sb.toString(), StandardCharsets.UTF_8);
    }

    /** True when every file the manifest lists is there with its size. */
    private static boolean whole(Path entry) {
        try {
            for (String line : Files.readAllLines(entry.resolve(MANIFEST), StandardCharsets.UTF_8)) {
                int sp = line.indexOf(' ');
                if (sp < 0) {
                    return false;
                }
                Path f = entry.resolve(line.substring(sp + 1));
                if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) || Files.size(f) != Long.parseLong(line.substring(0, sp))) {
                    return false;
                }
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Takes a shared lock on the entry; false when the entry vanished before the lock was had. */
    boolean hold(Path entry) throws IOException {
        Path lockFile = entry.resolve(LOCK);
        synchronized (HELD) {
            Held h = HELD.get(lockFile);
            if (h == null) {
                FileChannel ch;
                try {
                    ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                } catch (java.nio.file.NoSuchFileException e) {
                    return false;
                }
                FileLock lock = ch.lock(0, Long.MAX_VALUE, true);
                // A pruner may have renamed the entry away while we waited for the lock.
                if (!Files.isRegularFile(lockFile, LinkOption.NOFOLLOW_LINKS)) {
                    lock.release();
                    ch.close();
                    return false;
                }
                h = new Held(ch, lock);
                HELD.put(lockFile, h);
            }
            h.users++;
        }
        locked.add(entry);
        return true;
    }

    private static void release(Path entry) {
        Path lockFile = entry.resolve(LOCK);
        synchronized (HELD) {
            Held h = HELD.get(lockFile);
            if (h != null && --h.users == 0) {
                HELD.remove(lockFile);
                try {
                    h.lock.release();
                    h.channel.close();
                } catch (IOException e) {
                    log.debug("plugins: could not release {}", lockFile, e);
                }
            }
        }
    }

    /** Renames the entry away under an exclusive lock, then deletes it; false when someone holds it. */
    private boolean discardIfUnused(Path entry) {
        Path lockFile = entry.resolve(LOCK);
        synchronized (HELD) {
            if (HELD.containsKey(lockFile)) {
                return false;
            }
            try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                FileLock lock;
                try {
                    lock = ch.tryLock(0, Long.MAX_VALUE, false);
                } catch (OverlappingFileLockException e) {
                    return false;
                }
                if (lock == null) {
                    return false;
                }
                try {
                    discard(entry);
                } finally {
                    if (lock.isValid()) {
                        lock.release();
                    }
                }
                return true;
            } catch (IOException | UncheckedIOException e) {
                log.debug("plugins: could not prune {}", entry, e);
                return false;
            }
        }
    }

    private void discard(Path entry) {
        try {
            Path away = Files.createTempDirectory(root, ".discarded-");
            Path target = away.resolve("entry");
            Files.move(entry, target, StandardCopyOption.ATOMIC_MOVE);
            PluginRuntime.deleteTree(away);
        } catch (IOException e) {
            log.debug("plugins: could not discard {}", entry, e);
        }
    }

    private static long lastUsed(Path p) {
        try {
            Path manifest = p.resolve(MANIFEST);
            return Files.getLastModifiedTime(Files.exists(manifest) ? manifest : p, LinkOption.NOFOLLOW_LINKS).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    private static boolean olderThanAnHour(Path p) {
        return System.currentTimeMillis() - lastUsed(p) > 3_600_000L;
    }

    private static final class Held {
        final FileChannel channel;
        final FileLock lock;
        int users;

        Held(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }
    }
}
