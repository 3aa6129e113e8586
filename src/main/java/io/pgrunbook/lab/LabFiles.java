package io.pgrunbook.lab;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;

/** The lab's files: written owned by the servers' OS user where they must be, secrets 0600, the tree removed. */
final class LabFiles {
    private LabFiles() {
    }

    static boolean isEmptyDir(Path dir) {
        try (var s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PgrunbookException(Outcome.FAILED, "cannot read " + p + ": " + e.getMessage());
        }
    }

    /** Writes a file, chowned to {@code owner} (null: the current user's). */
    static void write(Path p, String text, String owner) {
        try {
            Files.writeString(p, text, StandardCharsets.UTF_8);
            if (owner != null) {
                chown(p, owner);
            }
        } catch (IOException e) {
            throw new PgrunbookException(Outcome.FAILED, "cannot write " + p + ": " + e.getMessage());
        }
    }

    static void mkdir(Path p, String owner) {
        try {
            Files.createDirectories(p);
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
            if (owner != null) {
                chown(p, owner);
            }
        } catch (IOException e) {
            throw new PgrunbookException(Outcome.FAILED, "cannot create " + p + ": " + e.getMessage());
        }
    }

    /** A password file: mode 0600 (libpq ignores it otherwise), owned by {@code owner} (null: the current user). */
    static void writeSecret(Path p, String text, String owner) {
        try {
            Files.deleteIfExists(p);
            Files.createFile(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(p, text, StandardCharsets.UTF_8);
            if (owner != null) {
                chown(p, owner);
            }
        } catch (IOException e) {
            throw new PgrunbookException(Outcome.FAILED, "cannot write " + p + ": " + e.getMessage());
        }
    }

    static void chown(Path p, String user) throws IOException {
        UserPrincipalLookupService lookup = p.getFileSystem().getUserPrincipalLookupService();
        UserPrincipal u = lookup.lookupPrincipalByName(user);
        PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class);
        view.setOwner(u);
        try {
            GroupPrincipal g = lookup.lookupPrincipalByGroupName(user);
            view.setGroup(g);
        } catch (IOException e) {
            // no group of that name: keep the current group
        }
    }

    static void deleteTree(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw e;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new PgrunbookException(Outcome.FAILED, "cannot remove " + root + ": " + e.getMessage());
        } catch (UncheckedIOException e) {
            throw new PgrunbookException(Outcome.FAILED, "cannot remove " + root + ": " + e.getCause().getMessage());
        }
    }
}
