package dev.immunity.core.model;

/** A code pattern that finds vulnerable usages. */
public record AstGrepPattern(String language, String pattern, String severity, String description) {
}
