package dev.cloudwarden.lifecycle.internal;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** The organisation's subscription, for everyone in it (a terminated organisation's users cannot sign in to ask). */
@RestController
@Tag(name = "Subscription", description = "The organisation's subscription: status, and while terminated when its data will be purged")
class SubscriptionApiController {

    private final Subscriptions subscriptions;

    SubscriptionApiController(Subscriptions subscriptions) {
        this.subscriptions = subscriptions;
    }

    @GetMapping(path = "/api/v1/subscription", produces = "application/json")
    @Operation(summary = "The subscription's status (active or terminated), with its termination and purge dates while terminated")
    Subscriptions.Subscription subscription() {
        return subscriptions.current();
    }
}
