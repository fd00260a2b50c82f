package dev.berth.http.aws;

import java.util.LinkedHashMap;
import java.util.Map;

/** ECR API operations of the repository group. */
final class EcrRepositoryApi {
  private final EcrContext context;

  EcrRepositoryApi(EcrContext context) {
    this.context = context;
  }

  /** The operations of this group by name. */
  Map<String, EcrOperation> operations() {
    Map<String, EcrOperation> ops = new LinkedHashMap<>();
    return ops;
  }
}
