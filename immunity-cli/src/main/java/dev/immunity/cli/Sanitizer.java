package dev.immunity.cli;

/**
 * Makes untrusted text safe to print on a terminal: every C0 and C1 control character, DEL, the bidi
 * overrides, embeddings, isolates and marks, the Unicode line and paragraph separators and lone
 * surrogates are replaced by a visible escape ({@code \e}, {@code \r}, {@code \x07}, {@code \u202e}, …),
 * so nothing in advisory text can move the cursor, set the title, write the clipboard, open a link or
 * reorder what is shown. Everything else (accents, CJK, emoji) is kept as is.
 */
public final class Sanitizer {
    private Sanitizer() {
    }

    /** The text with every unsafe character shown escaped; {@code null} becomes the empty string. */
    public static String escape(String text) {
        if (text == null) {
            return "";
        }
        if (isClean(text)) {
            return text;
        }
        StringBuilder sb = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                sb.append(c).append(text.charAt(++i));
            } else if (!isUnsafe(c)) {
                sb.append(c);
            } else {
                sb.append(escaped(c));
            }
        }
        return sb.toString();
    }

    /** Whether the character must never reach a terminal raw. */
    public static boolean isUnsafe(char c) {
        return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)
                || c == 0x061c || c == 0x200e || c == 0x200f
                || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)
                || c == 0x2028 || c == 0x2029
                || Character.isSurrogate(c);
    }

    private static boolean isClean(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (isUnsafe(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static String escaped(char c) {
        return switch (c) {
            case 0x1b -> "\\e";
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            case '\t' -> "\\t";
            case '\b' -> "\\b";
            default -> c < 0x80 ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c);
        };
    }
}
