package org.pauc.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pauc.train.Trainer;

/**
 * The package layers of docs/architecture.md, checked on the compiled main classes: dependencies only point down.
 * {@link #rulesFailOnAViolation} shows that each kind of rule can fail.
 */
class LayersTest {
    static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.pauc");
    }

    /** Every package of pauc, lowest layer first: a package may depend only on packages listed before it. */
    static final List<String> LAYERS = List.of(
            "oracle.layers", "oracle", "tensor", "hostmath", "io", "dist", "export.onnx",
            "backend", "config", "data", "cluster", "nn", "objective", "ops", "gradcheck", "reference", "checkpoint", "export",
            "backend.oracle", "cpu", "cuda",
            "eval", "train", "verify", "experiment", "cli");

    static List<ArchRule> rules() {
        List<ArchRule> rules = new ArrayList<>();
        rules.add(slices().matching("org.pauc.(**)").should().beFreeOfCycles());
        for (int i = 0; i < LAYERS.size(); i++) {
            String pkg = "org.pauc." + LAYERS.get(i);
            String[] above = LAYERS.subList(i + 1, LAYERS.size()).stream().map(p -> "org.pauc." + p).toArray(String[]::new);
            rules.add(noClasses().that().resideInAPackage(pkg).should().dependOnClassesThat().resideInAnyPackage(above)
                    .because(pkg + " is below " + String.join(", ", above)));
        }
        rules.add(noClasses().that().resideOutsideOfPackages("org.pauc.cpu", "org.pauc.cuda", "org.pauc.backend.oracle")
                .should().dependOnClassesThat().resideInAnyPackage("org.pauc.cpu", "org.pauc.cuda", "org.pauc.backend.oracle")
                .because("backends are found through ServiceLoader; nothing else uses their internals"));
        return rules;
    }

    @Test
    void dependenciesOnlyPointDown() {
        for (ArchRule r : rules()) {
            r.check(main);
        }
    }

    @Test
    void everyPackageHasALayer() {
        for (var c : main) {
            String pkg = c.getPackageName().replaceFirst("^org\\.pauc\\.?", "");
            if (!pkg.isEmpty() && !LAYERS.contains(pkg)) {
                throw new AssertionError("package org.pauc." + pkg + " (" + c.getName() + ") has no layer in LAYERS");
            }
        }
    }

    /** A qualified class name in code (not in an import, a comment or a string): a hidden dependency. */
    static final Pattern INLINE_QUALIFIED = Pattern.compile(
            "(?<![\\w.\"])(?:java|javax|jdk|org|com|picocli)\\.(?:[a-z_][a-z0-9_]*\\.)+[A-Z]");

    static List<String> inlineQualifiedNames(Path root) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    String code = lines.get(i).strip().replaceAll("\"(?:\\\\.|[^\"\\\\])*\"", "\"\"");
                    if (code.startsWith("import ") || code.startsWith("package ") || code.startsWith("*")
                            || code.startsWith("//") || code.startsWith("/*")) {
                        continue;
                    }
                    if (INLINE_QUALIFIED.matcher(code).find()) {
                        found.add(f + ":" + (i + 1) + ": " + lines.get(i).strip());
                    }
                }
            }
        }
        return found;
    }

    @Test
    void noInlineQualifiedClassNames(@TempDir Path dir) throws IOException {
        List<String> found = new ArrayList<>(inlineQualifiedNames(Path.of("src/main/java")));
        found.addAll(inlineQualifiedNames(Path.of("src/test/java")));
        assertEquals(List.of(), found);
        Files.writeString(dir.resolve("Hidden.java"), "class Hidden { Object o = new java.util.ArrayList<String>(); }\n");
        assertEquals(1, inlineQualifiedNames(dir).size(), "the scan finds a hidden dependency");
    }

    /** A class that reaches up from the oracle to the trainer: the rules must reject it. */
    static final class Violation {
        Object upward() {
            return Trainer.class;
        }
    }

    @Test
    void rulesFailOnAViolation() {
        JavaClasses bad = new ClassFileImporter().importClasses(Violation.class, Trainer.class);
        ArchRule oracleRule = noClasses().that().resideInAPackage("org.pauc.architecture").should().dependOnClassesThat()
                .resideInAnyPackage("org.pauc.train");
        assertThrows(AssertionError.class, () -> oracleRule.check(bad));
    }
}
