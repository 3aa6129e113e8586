package io.pgrunbook.shell;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/** The runbook names {@code run}/{@code plan} accept by name: ./runbooks/*.yaml and the shipped ones. */
public final class RunbookNames {
    private RunbookNames() {
    }

    public static Set<String> list(Path workDir) {
        Set<String> names = new TreeSet<>();
        addDir(workDir.resolve("runbooks"), names);
        URL url = RunbookNames.class.getClassLoader().getResource("runbooks/");
        if (url == null) {
            return names;
        }
        try {
            if (url.getProtocol().equals("file")) {
                addDir(Path.of(url.toURI()), names);
            } else if (url.getProtocol().equals("jar")) {
                String path = url.getPath();
                String jar = path.substring("file:".length(), path.indexOf("!"));
                try (JarFile jf = new JarFile(java.net.URLDecoder.decode(jar, java.nio.charset.StandardCharsets.UTF_8))) {
                    Enumeration<JarEntry> e = jf.entries();
                    while (e.hasMoreElements()) {
                        String n = e.nextElement().getName();
                        if (n.startsWith("runbooks/") && n.endsWith(".yaml") && n.indexOf('/', 9) < 0) {
                            names.add(n.substring(9, n.length() - 5));
                        }
                    }
                }
            }
        } catch (IOException | URISyntaxException | RuntimeException e) {
            // completion offers what it found
        }
        return names;
    }

    private static void addDir(Path dir, Set<String> names) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> s = Files.list(dir)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml"))
                    .forEach(n -> names.add(n.substring(0, n.length() - 5)));
        } catch (IOException e) {
            // completion offers what it found
        }
    }
}
