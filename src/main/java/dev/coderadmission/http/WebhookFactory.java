package dev.coderadmission.http;

import dev.coderadmission.runtime.Background;
import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.policy.Webhooks;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

/** Builds the webhook table once, from the config and this replica's cluster watches. */
@Factory
class WebhookFactory {
    @Singleton
    Webhooks webhooks(AdmissionConfig config, Background background) {
        return Webhooks.create(config, background.lookups());
    }
}
