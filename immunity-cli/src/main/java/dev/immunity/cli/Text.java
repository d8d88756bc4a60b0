package dev.immunity.cli;

import org.jline.utils.WCWidth;

/** Display-width arithmetic for terminal columns (wide characters take two columns). */
public final class Text {
    private Text() {
    }

    /** Columns the text takes on a terminal. */
    public static int width(String s) {
        int w = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            w += Math.max(0, WCWidth.wcwidth(cp));
            i += Character.charCount(cp);
        }
        return w;
    }

    /** The text cut to at most {@code columns} columns, ending in {@code …} when cut. */
    public static String truncate(String s, int columns) {
        if (columns <= 0) {
            return "";
        }
        if (width(s) <= columns) {
            return s;
        }
        StringBuilder sb = new StringBuilder();
        int w = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int cw = Math.max(0, WCWidth.wcwidth(cp));
            if (w + cw > columns - 1) {
                break;
            }
            sb.appendCodePoint(cp);
            w += cw;
            i += Character.charCount(cp);
        }
        return sb.append('…').toString();
    }

    /** The text cut or padded with spaces to exactly {@code columns} columns. */
    public static String fit(String s, int columns) {
        String t = truncate(s, columns);
        return t + " ".repeat(Math.max(0, columns - width(t)));
    }

    /** The text padded on the left to {@code columns} columns (cut when longer). */
    public static String fitRight(String s, int columns) {
        String t = truncate(s, columns);
        return " ".repeat(Math.max(0, columns - width(t))) + t;
    }
}
