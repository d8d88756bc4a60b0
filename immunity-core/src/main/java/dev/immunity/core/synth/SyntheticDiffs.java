package dev.immunity.core.synth;

import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * Unified diffs as the remediation engine writes them, for synthetic patches: a version bump in the package's manifest
 * ({@code requirements.txt}, {@code package.json}, {@code pom.xml}, {@code go.mod}…) for a dependency upgrade, a
 * small guard in the vulnerable code and a test for a code patch, a blocking rule for a WAF rule.
 */
final class SyntheticDiffs {
    private SyntheticDiffs() {
    }

    static String diff(String strategy, String ecosystem, String pkg, String from, String to, List<String> files,
                       String cveId, RandomGenerator rnd) {
        return counted(written(strategy, ecosystem, pkg, from, to, files, cveId, rnd));
    }

    private static String written(String strategy, String ecosystem, String pkg, String from, String to,
                                  List<String> files, String cveId, RandomGenerator rnd) {
        String first = files.get(0);
        return switch (strategy) {
            case "dependency_upgrade" -> upgrade(ecosystem, pkg, from, to, first, rnd);
            case "coagulation_waf" -> header(first, true) + "@@ -0,0 +1,6 @@\n"
                    + "+# " + cveId + ": block exploit attempts until " + pkg + " is upgraded\n"
                    + "+SecRule REQUEST_URI|ARGS \"@rx (?i)(\\.\\./|%2e%2e%2f|\\$\\{jndi:)\" \\\n"
                    + "+    \"id:" + (900000 + rnd.nextInt(99999)) + ",phase:2,deny,status:403,log,\\\n"
                    + "+    msg:'" + cveId + " exploit attempt',\\\n"
                    + "+    tag:'immunity/" + cveId.toLowerCase(Locale.ROOT) + "'\"\n"
                    + "+\n";
            default -> codePatch(ecosystem, files, cveId, rnd);
        };
    }

    private static String upgrade(String ecosystem, String pkg, String from, String to, String file, RandomGenerator rnd) {
        int line = 3 + rnd.nextInt(20);
        String short_ = pkg.contains(":") ? pkg.substring(pkg.indexOf(':') + 1) : pkg;
        return switch (ecosystem) {
            case "PyPI" -> header(file, false) + hunk(line, 3, 3)
                    + " flask==3.0.3\n"
                    + "-" + pkg + "==" + from + "\n"
                    + "+" + pkg + "==" + to + "\n"
                    + " gunicorn==22.0.0\n";
            case "npm" -> header(file, false) + hunk(line, 3, 3)
                    + "     \"express\": \"^4.19.2\",\n"
                    + "-    \"" + pkg + "\": \"^" + from + "\",\n"
                    + "+    \"" + pkg + "\": \"^" + to + "\",\n"
                    + "     \"pino\": \"^9.3.2\"\n";
            case "Maven" -> header(file, false) + hunk(line * 3, 5, 5)
                    + "       <groupId>" + (pkg.contains(":") ? pkg.substring(0, pkg.indexOf(':')) : pkg) + "</groupId>\n"
                    + "       <artifactId>" + short_ + "</artifactId>\n"
                    + "-      <version>" + from + "</version>\n"
                    + "+      <version>" + to + "</version>\n"
                    + "     </dependency>\n"
                    + "     <dependency>\n";
            case "Go" -> header(file, false) + hunk(line, 3, 3)
                    + " \tgithub.com/go-chi/chi/v5 v5.1.0\n"
                    + "-\t" + pkg + " v" + from + "\n"
                    + "+\t" + pkg + " v" + to + "\n"
                    + " \tgo.uber.org/zap v1.27.0\n";
            default -> header(file, false) + hunk(line, 1, 1)
                    + "-" + pkg + " " + from + "\n"
                    + "+" + pkg + " " + to + "\n";
        };
    }

    private static String codePatch(String ecosystem, List<String> files, String cveId, RandomGenerator rnd) {
        int line = 20 + rnd.nextInt(180);
        String code = files.get(0);
        String test = files.size() > 1 ? files.get(1) : null;
        String fix = switch (ecosystem) {
            case "PyPI" -> header(code, false) + hunk(line, 3, 5)
                    + " def resolve(path):\n"
                    + "-    return os.path.join(ROOT, path)\n"
                    + "+    full = os.path.realpath(os.path.join(ROOT, path))\n"
                    + "+    if not full.startswith(ROOT + os.sep):  # " + cveId + "\n"
                    + "+        raise PermissionError(\"path escapes the root\")\n"
                    + "+    return full\n";
            case "npm" -> header(code, false) + hunk(line, 3, 5)
                    + " function resolve(p) {\n"
                    + "-  return path.join(ROOT, p);\n"
                    + "+  const full = path.resolve(ROOT, p);\n"
                    + "+  if (!full.startsWith(ROOT + path.sep)) { // " + cveId + "\n"
                    + "+    throw new Error('path escapes the root');\n"
                    + "+  }\n"
                    + "+  return full;\n";
            case "Go" -> header(code, false) + hunk(line, 3, 6)
                    + " func resolve(p string) (string, error) {\n"
                    + "-\treturn filepath.Join(root, p), nil\n"
                    + "+\tfull := filepath.Join(root, filepath.Clean(\"/\"+p))\n"
                    + "+\tif !strings.HasPrefix(full, root+string(filepath.Separator)) { // " + cveId + "\n"
                    + "+\t\treturn \"\", errEscapesRoot\n"
                    + "+\t}\n"
                    + "+\treturn full, nil\n";
            default -> header(code, false) + hunk(line, 3, 6)
                    + "     Path resolve(String p) {\n"
                    + "-        return root.resolve(p);\n"
                    + "+        Path full = root.resolve(p).normalize();\n"
                    + "+        if (!full.startsWith(root)) { // " + cveId + "\n"
                    + "+            throw new SecurityException(\"path escapes the root\");\n"
                    + "+        }\n"
                    + "+        return full;\n";
        };
        if (test == null || !ecosystem.equals("PyPI")) {
            return fix;
        }
        return fix + header(test, false) + hunk(5 + rnd.nextInt(60), 0, 4)
                + "+\n"
                + "+# regression test for " + cveId + "\n"
                + "+def test_rejects_parent_directory():\n"
                + "+    assert_raises(PermissionError, resolve, \"../../etc/passwd\")\n";
    }

    /** The diff with each hunk header's line counts made to match the lines under it (as {@code git apply} checks). */
    static String counted(String diff) {
        String[] lines = diff.split("\n", -1);
        StringBuilder out = new StringBuilder(diff.length());
        for (int i = 0; i < lines.length; i++) {
            java.util.regex.Matcher m = HUNK.matcher(lines[i]);
            if (m.matches()) {
                int before = 0;
                int after = 0;
                for (int j = i + 1; j < lines.length && !lines[j].startsWith("@@") && !lines[j].startsWith("diff --git"); j++) {
                    if (lines[j].startsWith(" ") || lines[j].startsWith("-")) {
                        before++;
                    }
                    if (lines[j].startsWith(" ") || lines[j].startsWith("+")) {
                        after++;
                    }
                }
                lines[i] = "@@ -" + m.group(1) + "," + before + " +" + m.group(2) + ","
                        + after + " @@";
            }
            out.append(lines[i]);
            if (i < lines.length - 1) {
                out.append('\n');
            }
        }
        return out.toString();
    }

    private static final java.util.regex.Pattern HUNK = java.util.regex.Pattern.compile("@@ -(\\d+),\\d+ \\+(\\d+),\\d+ @@");

    private static String header(String file, boolean created) {
        return "diff --git a/" + file + " b/" + file + "\n"
                + (created ? "new file mode 100644\n--- /dev/null\n" : "--- a/" + file + "\n")
                + "+++ b/" + file + "\n";
    }

    private static String hunk(int line, int before, int after) {
        return "@@ -" + line + "," + before + " +" + line + "," + after + " @@\n";
    }
}
