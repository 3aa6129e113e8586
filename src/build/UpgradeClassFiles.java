import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Build step (pom.xml, process-classes; run with the source launcher, ASM on the class path): copies the classes of
 * one dependency jar into target/classes as class file version 52 with stack map frames, so that the shaded jar
 * carries those instead of the originals.
 *
 * <p>Why: picocli's jar is compiled for Java 5 (class file version 49). The JVM verifies such classes with the old
 * verifier, which records nothing class-data sharing can check later, so neither a dynamic CDS archive (JDK 17) nor an
 * ahead-of-time cache (JDK 25: "Skipping picocli/...: Old class has been linked") keeps them: every command parsed and
 * verified picocli's 200-odd classes again at start. The bytecode is left as it is; only the version and the frames
 * the new verifier needs are added.
 *
 * <p>Usage: java -cp CLASSPATH UpgradeClassFiles.java ARTIFACT-PREFIX OUTPUT-DIR (the jar is the class path entry
 * whose file name starts with ARTIFACT-PREFIX and a digit: "picocli-" is picocli-4.7.7.jar, not picocli-codegen's).
 */
public final class UpgradeClassFiles {
    public static void main(String[] args) throws IOException {
        String prefix = args[0];
        Path out = Path.of(args[1]);
        Path jar = null;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            if (name.endsWith(".jar") && name.startsWith(prefix) && Character.isDigit(name.charAt(prefix.length()))) {
                jar = Path.of(entry);
            }
        }
        if (jar == null) {
            throw new IllegalArgumentException("no " + prefix + "*.jar on the class path");
        }
        // beside the output directory, not in it: the stamp is no part of the jar
        Path stamp = out.toAbsolutePath().getParent().resolve("upgraded-" + jar.getFileName() + ".stamp");
        if (Files.exists(stamp) && Files.getLastModifiedTime(stamp).compareTo(Files.getLastModifiedTime(jar)) >= 0) {
            return;
        }
        int upgraded = 0;
        try (URLClassLoader hierarchy = new URLClassLoader(new URL[]{jar.toUri().toURL()}, null);
             ZipInputStream zip = new ZipInputStream(Files.newInputStream(jar))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                // module-info (META-INF/versions/9) is excluded from the shaded jar anyway; the manifest is the jar's own
                if (e.isDirectory() || !e.getName().endsWith(".class") || e.getName().startsWith("META-INF/")) {
                    continue;
                }
                byte[] bytes = zip.readAllBytes();
                ClassReader reader = new ClassReader(bytes);
                if (reader.readUnsignedShort(6) < Opcodes.V1_6) {
                    // computing frames needs the common super class of two types: look it up in the jar itself
                    ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
                        @Override
                        protected ClassLoader getClassLoader() {
                            return hierarchy;
                        }
                    };
                    reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
                        @Override
                        public void visit(int version, int access, String name, String signature, String superName, String[] interfaces) {
                            super.visit(Opcodes.V1_8, access, name, signature, superName, interfaces);
                        }
                    }, ClassReader.SKIP_FRAMES);
                    bytes = writer.toByteArray();
                    upgraded++;
                }
                Path target = out.resolve(e.getName());
                Files.createDirectories(target.getParent());
                Files.write(target, bytes);
            }
        }
        Files.writeString(stamp, upgraded + " classes of " + jar.getFileName() + " upgraded to class file version 52\n");
        Files.setLastModifiedTime(stamp, FileTime.fromMillis(System.currentTimeMillis()));
        System.out.println("UpgradeClassFiles: " + upgraded + " classes of " + jar.getFileName() + " as class file version 52");
    }
}
