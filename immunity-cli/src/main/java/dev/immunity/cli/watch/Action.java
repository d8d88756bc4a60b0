package dev.immunity.cli.watch;

/** What a key does in the dashboard (see {@link Keys}). */
public enum Action {
    UP, DOWN, PAGE_UP, PAGE_DOWN, TOP, BOTTOM, OPEN, BACK, FILTER, PAUSE, HELP, QUIT,
    /** a printable character typed into the filter prompt */
    TYPE,
    /** delete the last character of the filter prompt */
    ERASE,
    /** apply the filter prompt */
    ACCEPT,
    /** leave the filter prompt without applying it */
    CANCEL
}
