package dev.immunity.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A borderless table with upper-case headers, columns separated by two spaces, like kubectl and
 * kcctl. Every cell is sanitised: table output is safe to print on a terminal.
 */
public final class Table {
    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    public Table(String... headers) {
        this.headers = List.of(headers).stream().map(h -> h.toUpperCase(Locale.ROOT)).toList();
    }

    public Table row(Object... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException("expected " + headers.size() + " cells, got " + cells.length);
        }
        List<String> r = new ArrayList<>();
        for (Object c : cells) {
            r.add(c == null ? "-" : Sanitizer.escape(c.toString()));
        }
        rows.add(r);
        return this;
    }

    public void print(PrintWriter out) {
        int[] widths = new int[headers.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = Text.width(headers.get(i));
            for (List<String> r : rows) {
                widths[i] = Math.max(widths[i], Text.width(r.get(i)));
            }
        }
        line(out, headers, widths);
        for (List<String> r : rows) {
            line(out, r, widths);
        }
        out.flush();
    }

    private static void line(PrintWriter out, List<String> cells, int[] widths) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                sb.append("  ");
            }
            sb.append(i == cells.size() - 1 ? cells.get(i) : Text.fit(cells.get(i), widths[i]));
        }
        out.println(sb.toString().stripTrailing());
    }
}
