package dev.immunity.core.model;

import java.util.List;

/** One package an APV affects, with the versions that fix it. */
public record AffectedPackage(String ecosystem, String name, List<String> affectedVersions,
                              List<String> fixedVersions, String purl, String introduced,
                              String lastAffected, boolean hasFix) {
    public AffectedPackage {
        affectedVersions = List.copyOf(affectedVersions);
        fixedVersions = List.copyOf(fixedVersions);
    }
}
