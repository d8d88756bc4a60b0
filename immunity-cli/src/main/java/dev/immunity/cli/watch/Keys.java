package dev.immunity.cli.watch;

import org.jline.keymap.KeyMap;
import org.jline.terminal.Terminal;
import org.jline.utils.InfoCmp.Capability;

import static org.jline.keymap.KeyMap.ctrl;
import static org.jline.keymap.KeyMap.esc;
import static org.jline.keymap.KeyMap.key;

/** The key maps: browsing (lists, detail, help) and typing a filter. */
public final class Keys {
    private Keys() {
    }

    /** Keys while browsing. */
    public static KeyMap<Action> browse(Terminal terminal) {
        KeyMap<Action> m = new KeyMap<>();
        bindArrows(m, terminal);
        m.bind(Action.DOWN, "j");
        m.bind(Action.UP, "k");
        m.bind(Action.PAGE_DOWN, " ", ctrl('F'), ctrl('D'));
        m.bind(Action.PAGE_UP, "b", ctrl('B'), ctrl('U'));
        m.bind(Action.TOP, "g");
        m.bind(Action.BOTTOM, "G");
        m.bind(Action.OPEN, "\r", "\n", "l");
        m.bind(Action.BACK, esc(), "h", KeyMap.del(), "\b");
        m.bind(Action.FILTER, "/");
        m.bind(Action.PAUSE, "p");
        m.bind(Action.HELP, "?");
        m.bind(Action.QUIT, "q", ctrl('C'));
        m.setAmbiguousTimeout(100);
        return m;
    }

    /** Keys while typing a filter: printable characters are {@link Action#TYPE}. */
    public static KeyMap<Action> filter(Terminal terminal) {
        KeyMap<Action> m = new KeyMap<>();
        m.setUnicode(Action.TYPE);
        for (char c = 32; c < 127; c++) {
            m.bind(Action.TYPE, String.valueOf(c));
        }
        m.bind(Action.ACCEPT, "\r", "\n");
        m.bind(Action.CANCEL, esc());
        m.bind(Action.ERASE, KeyMap.del(), "\b");
        m.bind(Action.QUIT, ctrl('C'));
        m.setAmbiguousTimeout(100);
        return m;
    }

    private static void bindArrows(KeyMap<Action> m, Terminal terminal) {
        m.bind(Action.UP, "\033[A", "\033OA");
        m.bind(Action.DOWN, "\033[B", "\033OB");
        m.bind(Action.BACK, "\033[D", "\033OD");
        m.bind(Action.OPEN, "\033[C", "\033OC");
        m.bind(Action.PAGE_UP, "\033[5~");
        m.bind(Action.PAGE_DOWN, "\033[6~");
        m.bind(Action.TOP, "\033[H", "\033[1~");
        m.bind(Action.BOTTOM, "\033[F", "\033[4~");
        bindCap(m, terminal, Action.UP, Capability.key_up);
        bindCap(m, terminal, Action.DOWN, Capability.key_down);
        bindCap(m, terminal, Action.BACK, Capability.key_left);
        bindCap(m, terminal, Action.OPEN, Capability.key_right);
        bindCap(m, terminal, Action.PAGE_UP, Capability.key_ppage);
        bindCap(m, terminal, Action.PAGE_DOWN, Capability.key_npage);
    }

    private static void bindCap(KeyMap<Action> m, Terminal terminal, Action a, Capability c) {
        String k = key(terminal, c);
        if (k != null && !k.isEmpty()) {
            m.bind(a, k);
        }
    }
}
