package dev.berth.core.repo;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A registry's settings, kept in {@code _registry.json}.
 *
 * @param policy the registry policy document, if set
 * @param creationTemplates repository creation templates
 * @param accountSettings ECR account settings by name (e.g. {@code BASIC_SCAN_TYPE_VERSION})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record RegistrySettings(
    @Nullable String policy,
    List<CreationTemplate> creationTemplates,
    Map<String, String> accountSettings) {

  public RegistrySettings {
    creationTemplates = creationTemplates == null ? List.of() : List.copyOf(creationTemplates);
    accountSettings = accountSettings == null ? Map.of() : Map.copyOf(accountSettings);
  }

  /** Settings with nothing set. */
  public static RegistrySettings empty() {
    return new RegistrySettings(null, List.of(), Map.of());
  }

  /** The creation template with exactly this prefix. */
  public Optional<CreationTemplate> template(String prefix) {
    return creationTemplates.stream().filter(t -> t.prefix().equals(prefix)).findFirst();
  }

  public RegistrySettings withPolicy(@Nullable String document) {
    return new RegistrySettings(document, creationTemplates, accountSettings);
  }

  public RegistrySettings withTemplates(List<CreationTemplate> templates) {
    return new RegistrySettings(policy, templates, accountSettings);
  }

  public RegistrySettings withAccountSettings(Map<String, String> settings) {
    return new RegistrySettings(policy, creationTemplates, settings);
  }
}
