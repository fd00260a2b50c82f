package dev.berth.storage.fs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.storage.StorageDriver;
import dev.berth.storage.StorageDriverContract;
import dev.berth.storage.StorageWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class FilesystemDriverTest extends StorageDriverContract {

  @Override
  protected StorageDriver newDriver(Path tempDir) throws IOException {
    return new FilesystemDriver(tempDir.resolve("root"));
  }

  private Path root() {
    return tempDir.resolve("root").toAbsolutePath().normalize();
  }

  @Test
  void aDeferredSyncScopeSyncsEachChangedDirectoryOnceWhenItCloses() throws IOException {
    FilesystemDriver fs = (FilesystemDriver) driver;
    fs.putContent("d/x", bytes("warm"));
    long before = fs.directorySyncs();
    fs.putContent("d/a", bytes("a"));
    fs.putContent("d/b", bytes("b"));
    long unscoped = fs.directorySyncs() - before;
    assertThat(unscoped).as("one sync of d/ per write").isEqualTo(2);

    before = fs.directorySyncs();
    try (var scope = fs.deferSyncs()) {
      fs.putContent("d/c", bytes("c"));
      fs.putContent("d/e", bytes("e"));
      fs.putContent("d/f", bytes("f"));
      assertThat(fs.directorySyncs()).as("nothing synced inside the scope").isEqualTo(before);
    }
    assertThat(fs.directorySyncs() - before).as("d/ synced once, at the end").isEqualTo(1);
  }

  @Test
  void putTransientSyncsNothing() throws IOException {
    FilesystemDriver fs = (FilesystemDriver) driver;
    long before = fs.directorySyncs();
    fs.putTransient("u/1/startedat", bytes("now"));
    fs.putTransient("u/2/startedat", bytes("now"));
    assertThat(fs.directorySyncs()).isEqualTo(before);
    assertThat(fs.getContent("u/2/startedat")).isEqualTo(bytes("now"));
    assertThat(root().resolve(FilesystemDriver.STAGING_DIRECTORY)).isEmptyDirectory();
  }

  @Test
  void constructorCreatesTheRootAndDescribesIt() throws IOException {
    Path nested = tempDir.resolve("not/yet/there");

    try (FilesystemDriver created = new FilesystemDriver(nested)) {
      assertThat(nested).isDirectory();
      assertThat(created.root()).isEqualTo(nested.toAbsolutePath().normalize());
      assertThat(created.describe()).isEqualTo("filesystem " + nested.toAbsolutePath().normalize());
    }
  }

  @Test
  void staleStagingFilesOfACrashAreRemovedOnOpenFreshOnesKept() throws IOException {
    Path staging = root().resolve(FilesystemDriver.STAGING_DIRECTORY);
    Path stale = Files.writeString(staging.resolve("stale.tmp"), "left by a crash");
    Files.setLastModifiedTime(
        stale,
        java.nio.file.attribute.FileTime.from(
            java.time.Instant.now().minus(FilesystemDriver.STALE_STAGING_AGE).minusSeconds(60)));
    Path fresh = Files.writeString(staging.resolve("fresh.tmp"), "being written");

    try (FilesystemDriver reopened = new FilesystemDriver(root())) {
      assertThat(stale).doesNotExist();
      assertThat(fresh).exists();
    }
  }

  @Test
  void relativeRootsAreMadeAbsolute() throws IOException {
    Path relative = Path.of("").toAbsolutePath().relativize(tempDir.resolve("relative"));

    try (FilesystemDriver created = new FilesystemDriver(relative)) {
      assertThat(created.root().isAbsolute()).isTrue();
      assertThat(created.describe()).startsWith("filesystem /");
    }
  }

  @Test
  void objectsAreFilesAtTheirPathBelowTheRoot() throws IOException {
    driver.putContent("a/b/object", bytes("content"));

    assertThat(root().resolve("a/b/object")).isRegularFile().hasContent("content");
  }

  @Test
  void noTemporaryFilesRemainAfterWrites() throws IOException {
    for (int i = 0; i < 20; i++) {
      driver.putContent("objects/put-" + (i % 5), bytes("version " + i));
      driver.createIfAbsent("objects/created-" + (i % 5), bytes("version " + i));
    }
    driver.move("objects/put-0", "moved/object");
    try (StorageWriter writer = driver.writer("uploads/u/data", false)) {
      writer.write(ByteBuffer.wrap(bytes("data")));
      writer.commit();
    }

    assertThat(regularFiles(root()))
        .containsExactlyInAnyOrder(
            "moved/object",
            "objects/created-0",
            "objects/created-1",
            "objects/created-2",
            "objects/created-3",
            "objects/created-4",
            "objects/put-1",
            "objects/put-2",
            "objects/put-3",
            "objects/put-4",
            "uploads/u/data");
    assertThat(root().resolve(FilesystemDriver.STAGING_DIRECTORY)).isEmptyDirectory();
  }

  @Test
  void createIfAbsentLeavesASingleLinkToTheObject() throws IOException {
    driver.createIfAbsent("object", bytes("1"));

    assertThat(Files.getAttribute(root().resolve("object"), "unix:nlink")).isEqualTo(1);
  }

  @Test
  void localFileIsTheObjectsFile() throws IOException {
    driver.putContent("dir/object", bytes("content"));

    assertThat(driver.localFile("dir/object")).contains(root().resolve("dir/object"));
    assertThat(driver.localFile("dir")).isEmpty();
    assertThat(driver.localFile("missing")).isEmpty();
  }

  @Test
  void listSkipsHiddenFilesPlacedBesideObjects() throws IOException {
    driver.putContent("dir/visible", bytes("1"));
    Files.writeString(root().resolve("dir/.hidden"), "2");
    Files.createDirectories(root().resolve("dir/.hidden-dir"));

    assertThat(driver.list("dir")).containsExactly("visible");
  }

  @Test
  void deletingTheLastObjectLeavesOnlyTheRootAndItsStagingDirectory() throws IOException {
    driver.putContent("a/b/c/object", bytes("1"));

    driver.delete("a/b/c/object");

    assertThat(root()).isDirectory();
    try (Stream<Path> children = Files.list(root())) {
      assertThat(children.map(p -> p.getFileName().toString()))
          .containsExactly(FilesystemDriver.STAGING_DIRECTORY);
    }
  }

  @Test
  void dataSurvivesReopeningTheRoot() throws IOException {
    driver.putContent("dir/object", bytes("persistent"));
    driver.close();

    try (FilesystemDriver reopened = new FilesystemDriver(root())) {
      assertThat(reopened.getContent("dir/object")).isEqualTo(bytes("persistent"));
      assertThat(reopened.list("dir")).containsExactly("object");
    }
  }

  @Test
  void deleteFollowsNoSymbolicLinkOutOfTheRoot() throws IOException {
    Path outside = Files.createDirectories(tempDir.resolve("outside"));
    Files.writeString(outside.resolve("precious"), "keep me");
    Files.createDirectories(root().resolve("dir"));
    Files.createSymbolicLink(root().resolve("dir/link"), outside);

    driver.delete("dir");

    assertThat(outside.resolve("precious")).hasContent("keep me");
    assertThat(root().resolve("dir")).doesNotExist();
  }

  private static List<String> regularFiles(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(Files::isRegularFile)
          .map(file -> root.relativize(file).toString())
          .toList();
    }
  }
}
