package dev.immunity.cli.watch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.immunity.cli.TestApvs;
import dev.immunity.core.json.Json;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class DashboardStateTest {

    @Test
    void aHelloWithRecoveredFalse_replacesTheStateWithTheSnapshotThatFollows() {
        DashboardState s = Screens.known();
        assertThat(s.apvs()).hasSize(5);
        ObjectNode hello = Json.mapper().createObjectNode().put("mode", "snapshot").put("recovered", false)
                .put("reason", "cursor is from another stream history");
        s = s.withEnvelope(Screens.envelope("hello", hello, false, Screens.NOW), Screens.NOW);
        assertThat(s.apvs()).isEmpty();
        assertThat(s.patches()).isEmpty();
        s = s.withEnvelope(Screens.envelope("apv", Json.tree(TestApvs.apv("CVE-2025-0001", "low", "x")), true, Screens.NOW), Screens.NOW);
        assertThat(s.apvs()).extracting(DashboardState.ApvRow::cve).containsExactly("CVE-2025-0001");
        assertThat(s.eventsReceived()).as("snapshot messages are not new events").isEqualTo(7);
    }

    @Test
    void pause_buffersEvents_andResumeAppliesThemInOrder() {
        DashboardState s = Screens.known().apply(Action.PAUSE, null, 10);
        s = s.withEnvelope(Screens.envelope("apv", Json.tree(TestApvs.apv("CVE-2025-0001", "low", "x")), false, Screens.NOW), Screens.NOW);
        s = s.withEnvelope(Screens.envelope("apv", Json.tree(TestApvs.apv("CVE-2025-0002", "low", "x")), false, Screens.NOW), Screens.NOW);
        assertThat(s.apvs()).hasSize(5);
        assertThat(s.buffered()).hasSize(2);
        assertThat(s.eventsReceived()).isEqualTo(9);
        assertThat(String.join("\n", new DashboardRenderer(false).renderText(s, 80, 24))).contains("PAUSED (2 buffered)");
        s = s.apply(Action.PAUSE, null, 10);
        assertThat(s.apvs()).extracting(DashboardState.ApvRow::cve).startsWith("CVE-2025-0002", "CVE-2025-0001");
        assertThat(s.buffered()).isEmpty();
    }

    @Test
    void filter_byPriorityServiceAndText_andEscClearsIt() {
        DashboardState s = Screens.known().apply(Action.FILTER, null, 10);
        for (char c : "p:critical log4".toCharArray()) {
            s = s.apply(Action.TYPE, String.valueOf(c), 10);
        }
        s = s.apply(Action.ACCEPT, null, 10);
        assertThat(s.visibleApvs()).extracting(DashboardState.ApvRow::cve).containsExactly("CVE-2021-44228");
        assertThat(String.join("\n", new DashboardRenderer(false).renderText(s, 80, 24))).contains("APVS  1 of 5  filter: p:critical log4");
        s = s.apply(Action.BACK, null, 10);
        assertThat(s.visibleApvs()).hasSize(5);
        assertThat(ViewFilter.parse("s:payments,checkout").matches(s.apvs().get(0))).isTrue();
    }

    @Test
    void selection_followsTheCve_andDetailScrolls() {
        DashboardState s = Screens.known().apply(Action.DOWN, null, 10).apply(Action.DOWN, null, 10);
        assertThat(s.selectedApv().cve()).isEqualTo("CVE-2024-47554");
        s = s.withEnvelope(Screens.envelope("apv", Json.tree(TestApvs.apv("CVE-2025-0001", "low", "x")), false, Screens.NOW), Screens.NOW);
        assertThat(s.selectedApv().cve()).as("a new APV on top does not move the selection").isEqualTo("CVE-2024-47554");
        s = s.apply(Action.OPEN, null, 10).apply(Action.DOWN, null, 10);
        assertThat(s.screen()).isEqualTo(DashboardState.Screen.DETAIL);
        assertThat(s.detailScroll()).isEqualTo(1);
        assertThat(s.apply(Action.BACK, null, 10).screen()).isEqualTo(DashboardState.Screen.LIST);
        assertThat(s.apply(Action.QUIT, null, 10).quit()).isTrue();
    }

    /** The README's recorded screen (100x30) is what the renderer draws now from the known state (colour left out). */
    @Test
    void readme_showsTheWatchScreenAsRenderedNow() throws Exception {
        String screen = String.join("\n", new DashboardRenderer(false).renderText(Screens.known(), 100, 30));
        String readme = Files.readString(Path.of("..", "README.md"));
        assertThat(readme).as("README.md's recorded `immunity watch` screen (render it with DashboardRenderer.renderText"
                + " from Screens.known() at 100x30)").contains(screen.stripTrailing());
    }
}
