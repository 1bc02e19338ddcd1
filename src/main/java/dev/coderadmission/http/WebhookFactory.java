package dev.coderadmission.http;

import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.policy.Webhooks;
import dev.coderadmission.tenant.ServiceCatalog;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

/** Builds the webhook table once, from the config the server was started with. */
@Factory
class WebhookFactory {
    @Singleton
    Webhooks webhooks(AdmissionConfig config) {
        return Webhooks.create(config, ServiceCatalog.EMPTY);
    }
}
