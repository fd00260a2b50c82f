package dev.berth.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.storage.s3.S3Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  @Test
  void defaultsServeOnPort5000AndStoreUnderData() throws Exception {
    ServerConfig c = ConfigLoader.load(List.of(), Map.of());

    assertThat(c.bind()).isEqualTo("0.0.0.0");
    assertThat(c.port()).isEqualTo(5000);
    assertThat(c.dataDir()).isEqualTo(Path.of("data"));
    assertThat(c.logLevel()).isEqualTo("info");
    assertThat(c.uploadExpiry()).isEqualTo(Duration.ofHours(24));
    assertThat(c.lifecycleInterval()).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void flagsBeatEnvironmentWhichBeatsTheFile() throws Exception {
    Path file =
        write(
            """
            server:
              bind: 10.0.0.1
              port: 6000
            storage:
              filesystem:
                root: /from/file
            log:
              level: warn
            uploads:
              expireAfter: 2h
              sweepInterval: 30s
            lifecycle:
              interval: 6h
            registry:
              account: "123456789012"
              region: eu-west-1
            """);

    ServerConfig fileOnly = ConfigLoader.load(List.of("--config", file.toString()), Map.of());
    assertThat(fileOnly.bind()).isEqualTo("10.0.0.1");
    assertThat(fileOnly.port()).isEqualTo(6000);
    assertThat(fileOnly.dataDir()).isEqualTo(Path.of("/from/file"));
    assertThat(fileOnly.logLevel()).isEqualTo("warn");
    assertThat(fileOnly.uploadExpiry()).isEqualTo(Duration.ofHours(2));
    assertThat(fileOnly.uploadSweepInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(fileOnly.lifecycleInterval()).isEqualTo(Duration.ofHours(6));
    assertThat(fileOnly.defaultRegistry().account()).isEqualTo("123456789012");
    assertThat(fileOnly.defaultRegistry().region()).isEqualTo("eu-west-1");

    Map<String, String> env =
        Map.of("BERTH_CONFIG", file.toString(), "BERTH_PORT", "7000", "BERTH_LOG_LEVEL", "DEBUG");
    ServerConfig withEnv = ConfigLoader.load(List.of(), env);
    assertThat(withEnv.port()).isEqualTo(7000);
    assertThat(withEnv.logLevel()).isEqualTo("debug");
    assertThat(withEnv.bind()).isEqualTo("10.0.0.1");

    ServerConfig withFlags =
        ConfigLoader.load(List.of("--port=8000", "--data-dir", "/from/flag"), env);
    assertThat(withFlags.port()).isEqualTo(8000);
    assertThat(withFlags.dataDir()).isEqualTo(Path.of("/from/flag"));
  }

  @Test
  void badInputIsRefusedWithAMessageNamingIt() throws IOException {
    assertThatThrownBy(() -> ConfigLoader.load(List.of("--nope"), Map.of()))
        .hasMessageContaining("unknown option: --nope");
    assertThatThrownBy(() -> ConfigLoader.load(List.of("--port"), Map.of()))
        .hasMessageContaining("--port needs a value");
    assertThatThrownBy(() -> ConfigLoader.load(List.of("--port", "http"), Map.of()))
        .hasMessageContaining("port must be a number");
    assertThatThrownBy(() -> ConfigLoader.load(List.of("--port", "70000"), Map.of()))
        .hasMessageContaining("port must be 0..65535");
    assertThatThrownBy(() -> ConfigLoader.load(List.of("--log-level", "loud"), Map.of()))
        .hasMessageContaining("log level");
    Path typo = write("server:\n  prot: 5000\n");
    assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", typo.toString()), Map.of()))
        .isInstanceOf(ConfigLoader.ConfigException.class)
        .hasMessageContaining("prot");
    Path badDuration = write("uploads:\n  expireAfter: soon\n");
    assertThatThrownBy(
            () -> ConfigLoader.load(List.of("--config", badDuration.toString()), Map.of()))
        .hasMessageContaining("uploads.expireAfter");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    List.of("--config", dir.resolve("missing.yml").toString()), Map.of()))
        .hasMessageContaining("cannot read config file");
  }

  @Test
  void theRecordCacheIsSetInTheFileTheEnvironmentOrAFlag() throws Exception {
    ServerConfig defaults = ConfigLoader.load(List.of(), Map.of());
    assertThat(defaults.cacheRecordTtl()).isEqualTo(Duration.ofSeconds(2));
    assertThat(defaults.cacheBlobStatEntries()).isEqualTo(50_000);

    Path file = write("cache:\n  recordTtl: 500ms\n  blobStatEntries: 1000\n");
    ServerConfig fileOnly = ConfigLoader.load(List.of("--config", file.toString()), Map.of());
    assertThat(fileOnly.cacheRecordTtl()).isEqualTo(Duration.ofMillis(500));
    assertThat(fileOnly.cacheBlobStatEntries()).isEqualTo(1000);

    Map<String, String> env =
        Map.of("BERTH_CONFIG", file.toString(), "BERTH_CACHE_RECORD_TTL", "0s");
    ServerConfig withEnv = ConfigLoader.load(List.of(), env);
    assertThat(withEnv.cacheRecordTtl()).isZero();
    assertThat(withEnv.cacheBlobStatEntries()).isEqualTo(1000);

    assertThat(ConfigLoader.load(List.of("--cache-record-ttl=5s"), env).cacheRecordTtl())
        .isEqualTo(Duration.ofSeconds(5));
    assertThat(ServerConfig.defaults().toBuilder().build().cacheRecordTtl())
        .isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void badCacheSettingsAreRefused() throws IOException {
    assertThatThrownBy(() -> ConfigLoader.load(List.of("--cache-record-ttl", "soon"), Map.of()))
        .hasMessageContaining("--cache-record-ttl");
    assertThatThrownBy(() -> ConfigLoader.load(List.of("--cache-record-ttl", "PT-1S"), Map.of()))
        .hasMessageContaining("cache.recordTtl must not be negative");
    Path negative = write("cache:\n  blobStatEntries: -1\n");
    assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", negative.toString()), Map.of()))
        .hasMessageContaining("cache.blobStatEntries must not be negative");
    Path typo = write("cache:\n  recordTTL: 1s\n");
    assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", typo.toString()), Map.of()))
        .hasMessageContaining("recordTTL");
  }

  @Test
  void durationsTakeShortAndIsoForms() throws Exception {
    assertThat(ConfigLoader.duration("k", "500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(ConfigLoader.duration("k", "90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(ConfigLoader.duration("k", "30m")).isEqualTo(Duration.ofMinutes(30));
    assertThat(ConfigLoader.duration("k", "7d")).isEqualTo(Duration.ofDays(7));
    assertThat(ConfigLoader.duration("k", "PT24H")).isEqualTo(Duration.ofHours(24));
  }

  private Path write(String yaml) throws IOException {
    Path file = Files.createTempFile(dir, "berth", ".yml");
    return Files.writeString(file, yaml);
  }

  @Test
  void anS3SectionSelectsS3Storage() throws Exception {
    Path file =
        write(
            """
            storage:
              s3:
                bucket: registry
                region: eu-west-1
                endpoint: http://127.0.0.1:9000
                prefix: berth
                pathStyle: true
                accessKeyId: minio
                secretAccessKey: minio-secret
                serverSideEncryption: AES256
                partSize: 32MiB
                maxAttempts: 9
            """);

    ServerConfig c = ConfigLoader.load(List.of("--config", file.toString()), Map.of());

    assertThat(c.s3()).isNotNull();
    assertThat(c.s3().bucket()).isEqualTo("registry");
    assertThat(c.s3().region()).isEqualTo("eu-west-1");
    assertThat(c.s3().endpoint()).hasToString("http://127.0.0.1:9000");
    assertThat(c.s3().prefix()).isEqualTo("berth/");
    assertThat(c.s3().pathStyle()).isTrue();
    assertThat(c.s3().partSizeBytes()).isEqualTo(32L * 1024 * 1024);
    assertThat(c.s3().maxAttempts()).isEqualTo(9);
    assertThat(
            ConfigLoader.load(
                    List.of("--config", write("storage:\n  s3:\n    bucket: b\n").toString()),
                    Map.of())
                .s3()
                .maxAttempts())
        .isEqualTo(S3Config.DEFAULT_MAX_ATTEMPTS);
    Path noTries = write("storage:\n  s3:\n    bucket: b\n    maxAttempts: 0\n");
    assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", noTries.toString()), Map.of()))
        .hasMessageContaining("max attempts");
    assertThat(c.s3().encryption().algorithm()).isEqualTo("AES256");
    Path bad = write("storage:\n  s3:\n    region: eu-west-1\n");
    assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", bad.toString()), Map.of()))
        .hasMessageContaining("storage.s3.bucket is required");
    Path tiny = write("storage:\n  s3:\n    bucket: b\n    partSize: 1MiB\n");
    assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", tiny.toString()), Map.of()))
        .hasMessageContaining("storage.s3");
  }
}
