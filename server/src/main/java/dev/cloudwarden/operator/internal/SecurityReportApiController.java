package dev.cloudwarden.operator.internal;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** The public intake of vulnerability reports (promise P18); the form at /security/report does the same for browsers. */
@RestController
@RequestMapping(path = "/api/v1", produces = "application/json")
@Tag(name = "Security reports", description = "Report a vulnerability; stored encrypted for the platform's operators")
class SecurityReportApiController {

    private final SecurityReports reports;

    SecurityReportApiController(SecurityReports reports) {
        this.reports = reports;
    }

    /** What the reporter wrote: kept out of {@link #toString()}, so it cannot reach a log line by accident. */
    record ReportRequest(String title, String description, String contact) {
        @Override
        public String toString() {
            return "ReportRequest[REDACTED]";
        }
    }

    record ReportAccepted(String reference) {
    }

    @Operation(summary = "Report a vulnerability: title (1-200 characters), description (1-20,000), contact (optional, at most 254)",
            description = "Answers the report's reference, to quote in any later message. Send the body as UTF-8 JSON: the request "
                    + "body limit (64 KB by default) holds the longest report unescaped.")
    @ApiResponse(responseCode = "400", description = "`validation_failed` with `field`: a field is missing, too long or not printable text.")
    @ApiResponse(responseCode = "413", description = "`payload_too_large`: the body is over the request body limit.")
    @ApiResponse(responseCode = "429", description = "`rate_limited`: too many reports from this address; try again later.")
    @PostMapping(path = "/security-reports", consumes = "application/json")
    @ResponseStatus(HttpStatus.ACCEPTED)
    ReportAccepted submit(@RequestBody ReportRequest request) {
        return new ReportAccepted(reports.submit(request.title(), request.description(), request.contact()).reference());
    }
}
