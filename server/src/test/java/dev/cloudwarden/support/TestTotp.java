package dev.cloudwarden.support;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * An authenticator app for tests: RFC 4648 base32 and RFC 6238 TOTP (HMAC-SHA1, 6 digits, 30 s)
 * written out here, independently of the server's code, so a mistake there cannot hide itself.
 */
public final class TestTotp {

    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    private TestTotp() {
    }

    /** RFC 6238's time step length. */
    public static final Duration STEP = Duration.ofSeconds(30);

    /**
     * The time step of an instant, as an authenticator app whose clock reads {@code now} computes it.
     * Tests read the server's {@link TestClock} (frozen: no step boundary can fall between two calls).
     */
    public static long step(Instant now) {
        return Math.floorDiv(now.getEpochSecond(), STEP.toSeconds());
    }

    public static String code(String base32Secret, long step) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(base32(base32Secret), "HmacSHA1"));
            byte[] hash = mac.doFinal(ByteBuffer.allocate(8).putLong(step).array());
            int offset = hash[hash.length - 1] & 0x0f;
            int binary = ((hash[offset] & 0x7f) << 24) | ((hash[offset + 1] & 0xff) << 16)
                    | ((hash[offset + 2] & 0xff) << 8) | (hash[offset + 3] & 0xff);
            return String.format(Locale.ROOT, "%06d", binary % 1_000_000);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A well-formed code that is none of the codes valid around {@code step}. */
    public static String wrongCode(String base32Secret, long step) {
        for (int candidate = 0; ; candidate++) {
            String code = String.format(Locale.ROOT, "%06d", (Integer.parseInt(code(base32Secret, step)) + 1 + candidate) % 1_000_000);
            boolean valid = false;
            for (long s = step - 3; s <= step + 3; s++) {
                valid |= code.equals(code(base32Secret, s));
            }
            if (!valid) {
                return code;
            }
        }
    }

    public static byte[] base32(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int buffer = 0;
        int bits = 0;
        for (char c : text.toCharArray()) {
            int value = ALPHABET.indexOf(c);
            if (value < 0) {
                throw new IllegalArgumentException("not base32: " + c);
            }
            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8) {
                out.write((buffer >>> (bits - 8)) & 0xff);
                bits -= 8;
            }
        }
        return out.toByteArray();
    }

    /** The text of a QR code PNG (the enrolment page's otpauth:// URI), decoded with ZXing. */
    public static String decodeQr(byte[] png) throws Exception {
        java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png));
        int[] pixels = image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
        // the server draws a perfect code (no noise, no skew): read it module by module, as a scanner of
        // a clean image does; without this hint ZXing's finder pattern search misses about 1 code in 170
        return new com.google.zxing.qrcode.QRCodeReader().decode(new com.google.zxing.BinaryBitmap(new com.google.zxing.common.HybridBinarizer(
                        new com.google.zxing.RGBLuminanceSource(image.getWidth(), image.getHeight(), pixels))),
                java.util.Map.of(com.google.zxing.DecodeHintType.PURE_BARCODE, Boolean.TRUE)).getText();
    }
}
