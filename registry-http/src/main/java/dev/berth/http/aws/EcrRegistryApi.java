package dev.berth.http.aws;

import java.util.LinkedHashMap;
import java.util.Map;

/** ECR API operations of the registry group. */
final class EcrRegistryApi {
  private final EcrContext context;

  EcrRegistryApi(EcrContext context) {
    this.context = context;
  }

  /** The operations of this group by name. */
  Map<String, EcrOperation> operations() {
    Map<String, EcrOperation> ops = new LinkedHashMap<>();
    return ops;
  }
}
