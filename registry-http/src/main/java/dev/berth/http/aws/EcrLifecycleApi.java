package dev.berth.http.aws;

import java.util.LinkedHashMap;
import java.util.Map;

/** ECR API operations of the lifecycle group. */
final class EcrLifecycleApi {
  private final EcrContext context;

  EcrLifecycleApi(EcrContext context) {
    this.context = context;
  }

  /** The operations of this group by name. */
  Map<String, EcrOperation> operations() {
    Map<String, EcrOperation> ops = new LinkedHashMap<>();
    return ops;
  }
}
