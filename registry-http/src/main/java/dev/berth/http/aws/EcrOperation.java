package dev.berth.http.aws;

import com.fasterxml.jackson.databind.JsonNode;

/** One ECR API operation: reads the call's input and returns the JSON reply. */
@FunctionalInterface
public interface EcrOperation {
  /**
   * Serves the call; must authorize it (see {@link EcrCall#authorize}).
   *
   * @throws AwsException or {@link dev.berth.core.RegistryException} for refusals
   */
  JsonNode handle(EcrCall call);
}
