package dev.cloudwarden.web.internal;

import dev.cloudwarden.common.CloudwardenProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/** Tells whoever started the server where to go next. */
@Component
class StartupAnnouncer {

    private static final Logger log = LoggerFactory.getLogger(StartupAnnouncer.class);

    private final CloudwardenProperties properties;
    private final Environment env;

    StartupAnnouncer(CloudwardenProperties properties, Environment env) {
        this.properties = properties;
        this.env = env;
    }

    @EventListener(ApplicationReadyEvent.class)
    void announce() {
        String port = env.getProperty("local.server.port", "8443");
        String url = properties.environment() == CloudwardenProperties.Environment.dev
                ? "https://localhost:" + port : properties.publicUrl();
        log.info("Cloudwarden ({}) is ready at {} - create an organisation at {}/signup, sign in at {}/login",
                properties.environment(), url, url, url);
    }
}
