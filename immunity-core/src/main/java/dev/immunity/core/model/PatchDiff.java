package dev.immunity.core.model;

/**
 * A patch's unified diff ({@code diff_content}) as held: the text, cut at a line end when it was over the size
 * kept, and the size it had. Untrusted text: shown literally, never as markup or raw to a terminal.
 *
 * @param content       the diff, or its first lines when {@code truncated}
 * @param truncated     whether the diff was longer than the size kept and {@code content} is its beginning
 * @param originalBytes the diff's size in UTF-8 bytes as the remediation engine sent it
 */
public record PatchDiff(String content, boolean truncated, int originalBytes) {

    public PatchDiff {
        if (content == null) {
            throw new IllegalArgumentException("content must not be null");
        }
    }

    /** A diff as received, whole. */
    public static PatchDiff of(String text) {
        return new PatchDiff(text, false, utf8Length(text));
    }

    /** This diff cut to at most {@code maxBytes} UTF-8 bytes, at the last line end that fits (or a character, if none). */
    public PatchDiff cutTo(int maxBytes) {
        if (utf8Length(content) <= maxBytes) {
            return this;
        }
        int bytes = 0;
        int end = 0;
        int lastLineEnd = -1;
        while (end < content.length()) {
            int cp = content.codePointAt(end);
            int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + size > maxBytes) {
                break;
            }
            bytes += size;
            end += Character.charCount(cp);
            if (cp == '\n') {
                lastLineEnd = end;
            }
        }
        return new PatchDiff(content.substring(0, lastLineEnd > 0 ? lastLineEnd : end), true, originalBytes);
    }

    /** Lines in a diff text (a last line without a line end counts). */
    public static int lines(String text) {
        if (text.isEmpty()) {
            return 0;
        }
        int n = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                n++;
            }
        }
        return text.charAt(text.length() - 1) == '\n' ? n : n + 1;
    }

    /** The size of a text in UTF-8, without encoding it. */
    public static int utf8Length(String s) {
        int bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
