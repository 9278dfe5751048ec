package dev.cloudwarden.mfa.internal;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Base64;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * QR codes as PNG {@code data:} URIs, made on the server with ZXing, so the console page needs no
 * script and the CSP ({@code img-src 'self' data:}) allows them. The PNG is built in memory only:
 * ImageIO's default would spill it (and the secret it encodes) into a temporary file.
 */
final class QrCodes {

    private static final int PIXELS_PER_MODULE = 6;

    private QrCodes() {
    }

    static String pngDataUri(String text) {
        try {
            BitMatrix matrix = new QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, 0, 0,
                    Map.of(EncodeHintType.MARGIN, 4, EncodeHintType.ERROR_CORRECTION, ErrorCorrectionLevel.M,
                            EncodeHintType.CHARACTER_SET, "UTF-8"));
            int size = matrix.getWidth() * PIXELS_PER_MODULE;
            BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_BINARY);
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    boolean dark = matrix.get(x / PIXELS_PER_MODULE, y / PIXELS_PER_MODULE);
                    image.setRGB(x, y, dark ? 0x000000 : 0xffffff);
                }
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
            try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
                writer.setOutput(out);
                writer.write(image);
            } finally {
                writer.dispose();
            }
            return "data:image/png;base64," + Base64.getEncoder().encodeToString(bytes.toByteArray());
        } catch (WriterException | IOException e) {
            throw new IllegalStateException("could not draw the QR code", e);
        }
    }
}
