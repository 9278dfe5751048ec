package dev.cloudwarden.identity;

import java.util.UUID;

/** The people of the organisation at a glance, for the console's overview (the tenant in scope). */
public interface TeamOverview {

    /** The organisation's name, its people by status (a cancelled invitation is nobody), and whether the one asking has turned on two-factor authentication. */
    record Team(String organization, long active, long invited, long disabled, boolean viewerHasMfa) {
    }

    Team team(UUID viewer);
}
