/**
 * The console's overview ({@code /console}): the first-run checklist and the dashboard, with charts drawn on the
 * server as SVG (no script, no library). It only reads, through the front doors of the modules that own the data
 * (cloud, agentgateway, identity, activity); nothing depends on it. Everything is in {@code internal}.
 */
package dev.cloudwarden.overview;
