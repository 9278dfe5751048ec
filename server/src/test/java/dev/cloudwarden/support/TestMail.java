package dev.cloudwarden.support;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A real SMTP server (GreenMail) for the whole test run; the server under test sends to it. */
public final class TestMail {

    public static final GreenMail SMTP = new GreenMail(ServerSetupTest.SMTP.dynamicPort());

    static {
        SMTP.start();
        Runtime.getRuntime().addShutdownHook(new Thread(SMTP::stop));
    }

    private TestMail() {
    }

    public static int port() {
        return SMTP.getSmtp().getPort();
    }

    /** Waits for the newest message to {@code to} and returns its text body. */
    public static String awaitMessageTo(String to) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (Instant.now().isBefore(deadline)) {
            List<MimeMessage> mine = Arrays.stream(SMTP.getReceivedMessages()).filter(m -> recipient(m).equalsIgnoreCase(to)).toList();
            if (!mine.isEmpty()) {
                try {
                    return mine.get(mine.size() - 1).getContent().toString();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("no email to " + to);
    }

    /** Waits until {@code to} has received {@code count} messages and returns the newest one's text body. */
    public static String awaitNthMessageTo(String to, int count) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (countTo(to) < count && Instant.now().isBefore(deadline)) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        if (countTo(to) < count) {
            throw new AssertionError("fewer than " + count + " emails to " + to);
        }
        return awaitMessageTo(to);
    }

    public static long countTo(String to) {
        return Arrays.stream(SMTP.getReceivedMessages()).filter(m -> recipient(m).equalsIgnoreCase(to)).count();
    }

    /**
     * Waits for a message to {@code to} carrying a {@code prefix} link not seen in any message that
     * arrived before {@code after} messages, and returns its code (other mails may arrive meanwhile).
     */
    public static String awaitNewTokenTo(String to, String prefix, long after) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (Instant.now().isBefore(deadline)) {
            List<MimeMessage> mine = Arrays.stream(SMTP.getReceivedMessages()).filter(m -> recipient(m).equalsIgnoreCase(to)).toList();
            for (int i = mine.size() - 1; i >= after; i--) {
                try {
                    String body = mine.get(i).getContent().toString();
                    if (body.contains("#" + prefix)) {
                        return token(body, prefix);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("no new " + prefix + " link to " + to);
    }

    /** The single-use code in an email body (the part after '#' in its link). */
    public static String token(String body, String prefix) {
        Matcher m = Pattern.compile("#(" + Pattern.quote(prefix) + "[A-Za-z0-9_-]+)").matcher(body);
        if (!m.find()) {
            throw new AssertionError("no " + prefix + " token in the email");
        }
        return m.group(1);
    }

    private static String recipient(MimeMessage m) {
        try {
            return m.getAllRecipients()[0].toString();
        } catch (Exception e) {
            return "";
        }
    }
}
