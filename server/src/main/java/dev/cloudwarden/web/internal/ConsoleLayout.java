package dev.cloudwarden.web.internal;

import dev.cloudwarden.identity.CloudwardenPrincipal;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;

/**
 * What the pages' shared header needs (templates/fragments.html): the signed-in member of an organisation, if
 * any (operators and visitors get no console navigation), and the path, to mark the current page.
 */
@ControllerAdvice(annotations = Controller.class)
class ConsoleLayout {

    @ModelAttribute("navUser")
    CloudwardenPrincipal navUser(Authentication authentication) {
        return authentication != null && authentication.getPrincipal() instanceof CloudwardenPrincipal user ? user : null;
    }

    @ModelAttribute("currentPath")
    String currentPath(HttpServletRequest request) {
        return request.getRequestURI();
    }
}
