package dev.berth.http;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Keeps the module layering of DESIGN.md: http → core → storage, and no package cycles. */
class LayeringTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.berth");
  }

  @Test
  void storageKnowsNothingOfTheRegistry() {
    noClasses()
        .that()
        .resideInAPackage("dev.berth.storage..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.berth.core..", "dev.berth.http..", "io.netty..")
        .check(classes);
  }

  @Test
  void coreKnowsNothingOfHttp() {
    noClasses()
        .that()
        .resideInAPackage("dev.berth.core..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.berth.http..", "io.netty..")
        .check(classes);
  }

  @Test
  void serverPlumbingKnowsNoProtocolHandlers() {
    noClasses()
        .that()
        .resideInAPackage("dev.berth.http.server..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.berth.http.oci..")
        .check(classes);
  }

  @Test
  void noPackageCycles() {
    slices().matching("dev.berth.(**)").should().beFreeOfCycles().check(classes);
  }
}
