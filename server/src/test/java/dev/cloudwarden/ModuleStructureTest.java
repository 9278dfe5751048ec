package dev.cloudwarden;

import org.junit.jupiter.api.Test;
import org.springframework.modulith.core.ApplicationModules;

/** The modules' boundaries (ARCHITECTURE's layout): no cycles, and each module used only through its front door. */
class ModuleStructureTest {

    static final ApplicationModules MODULES = ApplicationModules.of(CloudwardenApplication.class);

    @Test
    void modulesKeepTheirBoundaries() {
        MODULES.verify();
    }
}
