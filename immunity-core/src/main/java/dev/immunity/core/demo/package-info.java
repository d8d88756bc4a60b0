/** The demo: realistic APVs and patch lifecycles for {@code serve --demo}, the trigger's completion of partial APVs, and the bench. */
package dev.immunity.core.demo;
