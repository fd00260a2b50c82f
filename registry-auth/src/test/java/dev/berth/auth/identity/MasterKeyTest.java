package dev.berth.auth.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The master key: created once with owner-only permissions, reused, or given by the operator. */
class MasterKeyTest {
  @TempDir Path dir;

  @Test
  void aMissingKeyFileIsCreatedOwnerOnlyWithA32ByteBase64Key() throws IOException {
    Path file = dir.resolve("keys/master.key");

    byte[] key = MasterKey.load(null, file);

    assertThat(key).hasSize(SecretBox.KEY_BYTES);
    assertThat(file).exists();
    String content = Files.readString(file, StandardCharsets.US_ASCII);
    assertThat(content).endsWith("\n");
    assertThat(Base64.getDecoder().decode(content.trim())).isEqualTo(key);
    Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
    assertThat(PosixFilePermissions.toString(permissions)).isEqualTo("rw-------");
  }

  @Test
  void theKeyFileIsReusedOnLaterStarts() throws IOException {
    Path file = dir.resolve("master.key");
    byte[] first = MasterKey.load(null, file);
    String written = Files.readString(file);

    byte[] second = MasterKey.load(null, file);
    byte[] third = MasterKey.load("  ", file);

    assertThat(second).isEqualTo(first);
    assertThat(third).isEqualTo(first);
    assertThat(Files.readString(file)).isEqualTo(written);
  }

  @Test
  void twoFreshKeyFilesHoldDifferentKeys() throws IOException {
    assertThat(MasterKey.load(null, dir.resolve("a.key")))
        .isNotEqualTo(MasterKey.load(null, dir.resolve("b.key")));
  }

  @Test
  void anExistingKeyFileWrittenByTheOperatorIsRead() throws IOException {
    byte[] mine = SecretBoxTest.key(9);
    Path file = dir.resolve("master.key");
    Files.writeString(file, "\n  " + Base64.getEncoder().encodeToString(mine) + "  \n\n");

    assertThat(MasterKey.load(null, file)).isEqualTo(mine);
  }

  @Test
  void theOperatorsKeyWinsOverTheFileAndCreatesNoFile() throws IOException {
    byte[] operator = SecretBoxTest.key(3);
    String base64 = " " + Base64.getEncoder().encodeToString(operator) + "\n";
    Path missing = dir.resolve("none/master.key");

    assertThat(MasterKey.load(base64, missing)).isEqualTo(operator);
    assertThat(missing).doesNotExist();
    assertThat(dir.resolve("none")).doesNotExist();

    Path existing = dir.resolve("master.key");
    byte[] inFile = MasterKey.load(null, existing);
    assertThat(MasterKey.load(base64, existing)).isEqualTo(operator).isNotEqualTo(inFile);
  }

  @Test
  void operatorKeysOfTheWrongLengthOrNotBase64AreRejected() {
    Path file = dir.resolve("master.key");
    for (int length : new int[] {1, 16, 31, 33, 64}) {
      String base64 = Base64.getEncoder().encodeToString(new byte[length]);
      assertThatThrownBy(() -> MasterKey.load(base64, file))
          .as("%d bytes", length)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("32 bytes");
    }
    assertThatThrownBy(() -> MasterKey.load("this is not base64!", file))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not base64");
    assertThat(file).doesNotExist();
  }

  @Test
  void keyFilesOfTheWrongLengthOrNotBase64AreRejectedAndLeftAlone() throws IOException {
    Path shortKey = dir.resolve("short.key");
    String shortContent = Base64.getEncoder().encodeToString(new byte[31]);
    Files.writeString(shortKey, shortContent);
    Path longKey = dir.resolve("long.key");
    Files.writeString(longKey, Base64.getEncoder().encodeToString(new byte[33]));
    Path garbage = dir.resolve("garbage.key");
    Files.writeString(garbage, "-----BEGIN PRIVATE KEY-----");
    Path empty = dir.resolve("empty.key");
    Files.writeString(empty, "");

    for (Path file : new Path[] {shortKey, longKey, garbage, empty}) {
      assertThatThrownBy(() -> MasterKey.load(null, file))
          .as(file.getFileName().toString())
          .isInstanceOf(IOException.class)
          .hasMessageContaining(file.toString());
    }
    assertThat(Files.readString(shortKey)).isEqualTo(shortContent);
  }

  @Test
  void ownerOnlyCreateRefusesAnExistingFile() throws IOException {
    Path file = dir.resolve("credentials");
    MasterKey.OwnerOnly.create(file);

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThatThrownBy(() -> MasterKey.OwnerOnly.create(file))
        .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
  }
}
