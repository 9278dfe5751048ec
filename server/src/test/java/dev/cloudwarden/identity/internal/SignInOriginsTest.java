package dev.cloudwarden.identity.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Client addresses as the sessions page shows them. */
class SignInOriginsTest {

    @ParameterizedTest
    @CsvSource({
            "127.0.0.1, 127.0.0.1",
            "203.0.113.5, 203.0.113.5",
            "0:0:0:0:0:0:0:1, ::1",
            "0:0:0:0:0:0:0:0, ::",
            "2001:db8:0:0:0:0:0:7, 2001:db8::7",
            "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
            "2001:db8:0:1:0:0:0:1, 2001:db8:0:1::1",
            "fe80:0:0:0:1:2:3:4, fe80::1:2:3:4",
            "2001:db8:1:2:3:4:5:6, 2001:db8:1:2:3:4:5:6",
            "2001:db8:0:2:3:4:5:6, 2001:db8:0:2:3:4:5:6"})
    void ipv6IsShownInItsShortForm(String address, String shown) {
        assertThat(SignInOrigins.readable(address)).isEqualTo(shown);
    }
}
