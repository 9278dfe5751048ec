package dev.cloudwarden.identity.internal;

import dev.cloudwarden.common.CloudwardenProperties;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Properties;
import java.util.UUID;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.stereotype.Component;

/**
 * Sends the platform's emails. With {@code spring.mail.host} set they go out over SMTP. Without it,
 * in dev only, each message is written as an .eml file under {@code <data-dir>/mail/} (mode 600): a
 * mail catcher on disk, never a log line and never a page a browser could reach. Outside dev a
 * missing SMTP host stops the server.
 */
@Component
class Mailer {

    private final JavaMailSender smtp;
    private final Path outbox;
    private final String from;

    Mailer(ObjectProvider<JavaMailSender> smtp, CloudwardenProperties platform,
           @Value("${cloudwarden.mail.from:Cloudwarden <no-reply@cloudwarden.invalid>}") String from) {
        this.smtp = smtp.getIfAvailable();
        this.from = from;
        if (this.smtp == null && platform.environment() != CloudwardenProperties.Environment.dev) {
            throw new IllegalStateException("spring.mail.host must be set outside dev: invitations and password resets go out by email");
        }
        this.outbox = platform.dataDir().toAbsolutePath().resolve("mail");
    }

    /** Where mails are written instead of sent (dev without SMTP), if they are. */
    java.util.Optional<Path> outbox() {
        return smtp == null ? java.util.Optional.of(outbox) : java.util.Optional.empty();
    }

    void send(String to, String subject, String body) {
        try {
            MimeMessage message = smtp != null ? smtp.createMimeMessage() : new MimeMessage(Session.getInstance(new Properties()));
            message.setFrom(new InternetAddress(from));
            message.setRecipient(MimeMessage.RecipientType.TO, new InternetAddress(to, true));
            message.setSubject(subject, "UTF-8");
            message.setText(body, "UTF-8");
            if (smtp != null) {
                smtp.send(message);
            } else {
                writeToOutbox(message);
            }
        } catch (MessagingException | IOException | org.springframework.mail.MailException e) {
            // Neither the address nor the body (which holds a single-use link) goes into the message.
            throw new IllegalStateException("Could not send the email (" + e.getClass().getSimpleName() + ")");
        }
    }

    private void writeToOutbox(MimeMessage message) throws IOException, MessagingException {
        Files.createDirectories(outbox);
        Path file = outbox.resolve(System.currentTimeMillis() + "-" + UUID.randomUUID() + ".eml");
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (OutputStream out = Files.newOutputStream(file)) {
            message.writeTo(out);
        }
    }
}
