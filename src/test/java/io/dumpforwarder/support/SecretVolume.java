package io.dumpforwarder.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A directory laid out as the kubelet lays out a mounted Secret, and updated as it
 * updates one: each file is a link through {@code ..data} into a directory of the current
 * version; an update writes the files to a new directory, makes a link to it under a
 * temporary name, renames that over {@code ..data} (the one atomic step) and removes the
 * old directory.
 */
public final class SecretVolume {

    private final Path root;

    private int versions;

    /** A volume holding these files (name to content). */
    public SecretVolume(Map<String, String> files) throws IOException {
        this.root = Files.createTempDirectory("secret-volume");
        this.root.toFile().deleteOnExit();
        update(files);
        for (String name : files.keySet()) {
            Files.createSymbolicLink(file(name), Path.of("..data", name)).toFile().deleteOnExit();
        }
    }

    /** The path a container reads this file at. */
    public Path file(String name) {
        return this.root.resolve(name);
    }

    /**
     * Replaces the files with these; a file of the volume left out is gone (its link
     * dangles).
     */
    public void update(Map<String, String> files) throws IOException {
        Path data = this.root.resolve("..data");
        Path old = Files.isSymbolicLink(data) ? this.root.resolve(Files.readSymbolicLink(data)) : null;
        Path version = Files.createDirectory(this.root.resolve("..2026_05_04_10_00_00." + this.versions++));
        version.toFile().deleteOnExit();
        for (Map.Entry<String, String> file : files.entrySet()) {
            Files.writeString(version.resolve(file.getKey()), file.getValue()).toFile().deleteOnExit();
        }
        Path link = Files.createSymbolicLink(this.root.resolve("..data_tmp"), version.getFileName());
        Files.move(link, data, StandardCopyOption.ATOMIC_MOVE);
        data.toFile().deleteOnExit();
        if (old != null) {
            try (Stream<Path> stale = Files.list(old)) {
                for (Path file : stale.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(old);
        }
    }

}
