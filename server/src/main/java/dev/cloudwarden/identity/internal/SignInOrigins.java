package dev.cloudwarden.identity.internal;

import dev.cloudwarden.activity.ClientAddress;
import dev.cloudwarden.crypto.EncryptedColumn;
import dev.cloudwarden.crypto.FieldCrypto;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Arrays;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Where a sign-in came from, kept with the session it opened so its owner can tell their sessions
 * apart: a label of the browser and system ({@link DeviceLabels}) and the client address, found as the
 * rate limits and the activity history find it (the TCP peer; {@code X-Forwarded-For} only from the
 * configured proxies). The address is personal data: it is stored only encrypted with the tenant's data
 * key and bound to its row, in the two columns declared here for key maintenance.
 */
@Component
class SignInOrigins {

    static final EncryptedColumn API_SESSION_ADDRESS = new EncryptedColumn("api_sessions", "id", "address_ciphertext");
    static final EncryptedColumn CONSOLE_SESSION_ADDRESS = new EncryptedColumn("console_session_origins", "id", "address_ciphertext");

    /** A sign-in's device label and client address (null when the peer address is not an IP literal). */
    record Origin(String device, String address) {
        static final Origin UNKNOWN = new Origin(DeviceLabels.UNKNOWN, null);

        /** The address is personal data: kept out of log lines. */
        @Override
        public String toString() {
            return "Origin[device=" + device + "]";
        }
    }

    private final ClientAddress clientAddress;
    private final FieldCrypto crypto;

    SignInOrigins(ClientAddress clientAddress, FieldCrypto crypto) {
        this.clientAddress = clientAddress;
        this.crypto = crypto;
    }

    Origin of(HttpServletRequest request) {
        return new Origin(DeviceLabels.of(request.getHeader("User-Agent")), readable(clientAddress.of(request)));
    }

    /**
     * An IPv6 address in its short form (RFC 5952: the longest run of two or more zero groups as
     * {@code ::}), as people read it: "::1", "2001:db8::7", not "0:0:0:0:0:0:0:1". IPv4 as it is.
     */
    static String readable(String address) {
        if (address == null || !address.contains(":")) {
            return address;
        }
        String[] groups = address.split(":", -1);
        if (groups.length != 8) {
            return address;
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < groups.length; i++) {
            int end = i;
            while (end < groups.length && groups[end].equals("0")) {
                end++;
            }
            if (end - i > bestLength) {
                bestStart = i;
                bestLength = end - i;
            }
            i = Math.max(i, end);
        }
        if (bestStart < 0) {
            return address;
        }
        return String.join(":", Arrays.copyOfRange(groups, 0, bestStart)) + "::"
                + String.join(":", Arrays.copyOfRange(groups, bestStart + bestLength, groups.length));
    }

    /** The address encrypted for one row of {@code column}; null when there is no address. */
    byte[] encryptAddress(UUID tenant, EncryptedColumn column, UUID row, Origin origin) {
        return origin.address() == null ? null : crypto.encryptString(tenant, column.field(), row, origin.address());
    }

    /** The address of one row of {@code column}; null when none was stored. */
    String decryptAddress(UUID tenant, EncryptedColumn column, UUID row, byte[] ciphertext) {
        return ciphertext == null ? null : crypto.decryptString(tenant, column.field(), row, ciphertext);
    }
}
