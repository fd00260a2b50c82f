package dev.berth.http.aws;

import dev.berth.auth.token.TokenService;
import dev.berth.core.lifecycle.Lifecycle;
import dev.berth.core.repo.Registry;
import java.time.Duration;

/**
 * What ECR operation groups share.
 *
 * @param registry the domain services
 * @param tokens issues registry tokens (also for short-lived download URLs)
 * @param tokenLifetime lifetime of login tokens
 * @param lifecycle lifecycle policy previews and expiry
 */
record EcrContext(
    Registry registry, TokenService tokens, Duration tokenLifetime, Lifecycle lifecycle) {}
