package dev.immunity.server.notify;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.immunity.core.json.Json;
import dev.immunity.core.json.WireFormat;

import java.time.Instant;
import java.util.List;

/**
 * The body of one message to a route, in its format, for one notification or a digest of several. Every untrusted
 * text is neutralised for the receiver: no Slack mention ({@code <!channel>}) or link ({@code <url|text>}), no markdown
 * link or emphasis in Teams, no control or bidi character anywhere.
 */
final class Payloads {
    /** Notifications listed in one digest; the rest are counted. */
    static final int DIGEST_LIST = 20;
    private static final int MAX_TEXT = 2_000;

    private Payloads() {
    }

    static byte[] body(NotifySettings.Route route, String deliveryId, List<Notification> batch, Instant at) {
        return Json.writeBytes(switch (route.format()) {
            case SLACK -> slack(batch);
            case TEAMS -> teams(batch);
            case GENERIC -> generic(route, deliveryId, batch, at);
        });
    }

    static String heading(List<Notification> batch) {
        return batch.size() == 1 ? batch.get(0).title() : batch.size() + " notifications from Immunity";
    }

    // ---------------------------------------------------------------- Slack: incoming webhook with blocks

    static ObjectNode slack(List<Notification> batch) {
        ObjectNode m = Json.mapper().createObjectNode();
        m.put("text", slackEscape(clean(heading(batch)))); // the notification's fallback: mrkdwn, so escaped
        ArrayNode blocks = m.putArray("blocks");
        blocks.addObject().put("type", "header").set("text", plain(heading(batch), 150));
        for (Notification n : batch.subList(0, Math.min(batch.size(), DIGEST_LIST))) {
            ObjectNode section = blocks.addObject().put("type", "section");
            section.set("text", plain(line(n), MAX_TEXT));
            if (!n.facts().isEmpty()) {
                ArrayNode fields = section.putArray("fields");
                for (Notification.Fact f : n.facts().subList(0, Math.min(10, n.facts().size()))) {
                    fields.add(plain(f.label() + ": " + f.value(), 300));
                }
            }
        }
        if (batch.size() > DIGEST_LIST) {
            blocks.addObject().put("type", "context").putArray("elements")
                    .add(plain("and " + (batch.size() - DIGEST_LIST) + " more", 100));
        }
        return m;
    }

    /** A plain_text object (no mention, link or formatting), its {@code & < >} escaped as Slack asks of all text. */
    private static ObjectNode plain(String text, int max) {
        return Json.mapper().createObjectNode().put("type", "plain_text").put("text", slackEscape(cut(clean(text), max)))
                .put("emoji", false);
    }

    /** Slack's escaping for mrkdwn text: {@code & < >}, which is all its control sequences start with. */
    static String slackEscape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    // ---------------------------------------------------------------- Teams: Workflows webhook, Adaptive Card

    static ObjectNode teams(List<Notification> batch) {
        ObjectNode card = Json.mapper().createObjectNode();
        card.put("$schema", "http://adaptivecards.io/schemas/adaptive-card.json").put("type", "AdaptiveCard")
                .put("version", "1.4");
        ArrayNode body = card.putArray("body");
        body.addObject().put("type", "TextBlock").put("text", markdownEscape(heading(batch))).put("weight", "Bolder")
                .put("size", "Medium").put("wrap", true);
        for (Notification n : batch.subList(0, Math.min(batch.size(), DIGEST_LIST))) {
            body.addObject().put("type", "TextBlock").put("text", markdownEscape(cut(line(n), MAX_TEXT))).put("wrap", true)
                    .put("separator", true);
            if (!n.facts().isEmpty()) {
                ArrayNode facts = body.addObject().put("type", "FactSet").putArray("facts");
                for (Notification.Fact f : n.facts()) {
                    facts.addObject().put("title", markdownEscape(f.label())).put("value", markdownEscape(cut(f.value(), 300)));
                }
            }
        }
        if (batch.size() > DIGEST_LIST) {
            body.addObject().put("type", "TextBlock").put("text", "and " + (batch.size() - DIGEST_LIST) + " more")
                    .put("isSubtle", true).put("wrap", true);
        }
        ObjectNode message = Json.mapper().createObjectNode().put("type", "message");
        message.putArray("attachments").addObject().put("contentType", "application/vnd.microsoft.card.adaptive")
                .putNull("contentUrl").set("content", card);
        return message;
    }

    /**
     * Text for an Adaptive Card TextBlock, which renders a markdown subset: every character markdown gives a
     * meaning ({@code * _ [ ] ( ) # ` ~ > - + . ! |} and the backslash) is backslash-escaped, so text shows as sent.
     */
    static String markdownEscape(String s) {
        String c = clean(s);
        StringBuilder b = new StringBuilder(c.length() + 8);
        for (int i = 0; i < c.length(); i++) {
            char ch = c.charAt(i);
            if ("\\*_[]()#`~>-+.!|<".indexOf(ch) >= 0) {
                b.append('\\');
            }
            b.append(ch);
        }
        return b.toString();
    }

    // ---------------------------------------------------------------- generic: our envelope, signed

    static ObjectNode generic(NotifySettings.Route route, String deliveryId, List<Notification> batch, Instant at) {
        ObjectNode m = Json.mapper().createObjectNode();
        m.put("type", "notification").put("delivery_id", deliveryId).put("route", route.name()).put("sent_at", at.toString());
        ArrayNode list = m.putArray("notifications");
        for (Notification n : batch) {
            ObjectNode o = list.addObject();
            o.put("event", n.event().wire()).put("key", n.key()).put("cve_id", n.cveId()).put("priority", n.priority());
            o.set("services", Json.tree(n.services()));
            o.put("owner", n.owner()).put("title", clean(n.title())).put("summary", n.summary() == null ? null : clean(n.summary()));
            ObjectNode facts = o.putObject("facts");
            for (Notification.Fact f : n.facts()) {
                facts.put(f.label(), clean(f.value()));
            }
        }
        return m;
    }

    // ---------------------------------------------------------------- shared

    private static String line(Notification n) {
        return n.title() + (n.summary() == null ? "" : ": " + n.summary());
    }

    /** Control, format (bidi, zero-width) and separator characters replaced by a visible {@code ?}; one line. */
    static String clean(String s) {
        return WireFormat.printable(s);
    }

    private static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
