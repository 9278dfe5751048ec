package dev.cloudwarden.activity;

import jakarta.servlet.http.HttpServletRequest;

/** The client address of a request, trusted proxies considered; kept by the abuse module, which rate-limits by it. */
public interface ClientAddress {

    String of(HttpServletRequest request);
}
