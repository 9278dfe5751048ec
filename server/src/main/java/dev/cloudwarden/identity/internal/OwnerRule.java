package dev.cloudwarden.identity.internal;

import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.identity.CloudwardenPrincipal;
import dev.cloudwarden.identity.Role;
import java.util.Arrays;

/** Who may touch the OWNER role, and that an organisation always keeps one active OWNER. */
final class OwnerRule {

    private OwnerRule() {
    }

    /** Any change that grants, takes away or acts on the OWNER role needs an OWNER. */
    static void requireOwnerFor(CloudwardenPrincipal actor, Role... involved) {
        if (actor.role() != Role.OWNER && Arrays.asList(involved).contains(Role.OWNER)) {
            throw ApiProblem.forbidden("Only an OWNER may invite, promote, demote, disable or re-enable an OWNER.")
                    .saying("Only an owner can invite, promote, demote, disable or re-enable an owner.");
        }
    }

    /** Before an active OWNER stops being one (demoted or disabled); locks the owners, so two such changes cannot race. */
    static void requireAnotherActiveOwner(UserRepository users, UserRepository.UserRow target) {
        if (target.role() == Role.OWNER && target.active() && users.countActiveOwners() <= 1) {
            throw ApiProblem.conflict("last_owner", "The organisation must keep at least one active OWNER.")
                    .saying("The organisation must keep at least one active owner. Make someone else an owner first.");
        }
    }
}
