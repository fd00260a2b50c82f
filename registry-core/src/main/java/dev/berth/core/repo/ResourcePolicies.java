package dev.berth.core.repo;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.berth.core.RegistryId;
import dev.berth.core.Repository;
import dev.berth.storage.StorageDriver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The resource policies that apply to a repository: its repository policy ({@code policy} in {@code
 * _config.json}) and its registry's policy ({@code policy} in {@code _registry.json}). The ECR
 * operations that set them come with the control-plane API; requests are authorized against them
 * already.
 */
public final class ResourcePolicies {
  /** How long a looked-up policy is reused; bounds how long a change takes on other nodes. */
  public static final Duration CACHE_TTL = Duration.ofSeconds(5);

  private final StorageDriver driver;
  private final Cache<String, Optional<String>> cache =
      Caffeine.newBuilder().expireAfterWrite(CACHE_TTL).maximumSize(100_000).build();

  ResourcePolicies(StorageDriver driver) {
    this.driver = driver;
  }

  /** Forgets cached policies, after this node changed one. */
  public void invalidate() {
    cache.invalidateAll();
  }

  /** The policy documents that apply to the repository, repository policy first. */
  public List<String> forRepository(Repository repo) {
    List<String> documents = new ArrayList<>();
    policyIn(Paths.repositoryConfig(repo)).ifPresent(documents::add);
    policyIn(Paths.registryConfig(repo.registry())).ifPresent(documents::add);
    return documents;
  }

  /** The registry policy, if one is set. */
  public Optional<String> forRegistry(RegistryId registry) {
    return policyIn(Paths.registryConfig(registry));
  }

  private Optional<String> policyIn(String path) {
    return cache.get(path, this::read);
  }

  private Optional<String> read(String path) {
    try {
      JsonNode node = Json.MAPPER.readTree(driver.getContent(path)).get("policy");
      return node == null || node.isNull()
          ? Optional.empty()
          : Optional.of(node.isTextual() ? node.asText() : node.toString());
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path, e);
    }
  }
}
