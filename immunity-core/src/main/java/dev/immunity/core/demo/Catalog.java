package dev.immunity.core.demo;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The demo's vocabulary: packages with affected and fixed versions per ecosystem, kinds of vulnerability written
 * the way public advisories are, and the microservices they land in. Names and versions are realistic; the
 * pairings with CVE ids are invented.
 */
final class Catalog {
    private Catalog() {
    }

    // ------------------------------------------------------------------ packages

    /**
     * A package version that is affected, and the version that fixes it ({@code null}: no fix yet).
     *
     * @param cwes the kinds of vulnerability that fit this package, space-separated CWE ids; empty for a package
     *             not in the catalog (then any kind of its ecosystem fits)
     */
    record Pkg(String ecosystem, String name, String affected, String fixed, String cwes) {

        Pkg(String ecosystem, String name, String affected, String fixed) {
            this(ecosystem, name, affected, fixed, "");
        }

        Pkg withFixed(String fixedVersion) {
            return new Pkg(ecosystem, name, affected, fixedVersion, cwes);
        }

        /** The kinds of vulnerability that fit this package. */
        List<Kind> kinds() {
            List<String> ids = cwes.isBlank() ? List.of() : List.of(cwes.trim().split("\\s+"));
            List<Kind> fitting = KINDS.stream().filter(k -> ids.contains(k.cwe())).toList();
            return fitting.isEmpty() ? KINDS.stream().filter(k -> k.appliesTo(ecosystem)).toList() : fitting;
        }

        /** Package URL of the affected version, e.g. {@code pkg:npm/lodash@4.17.20}. */
        String purl() {
            if (affected == null || affected.isBlank()) {
                return null;
            }
            String type = switch (ecosystem) {
                case "PyPI" -> "pypi";
                case "npm" -> "npm";
                case "Maven" -> "maven";
                case "Go" -> "golang";
                case "Docker" -> "docker";
                case "RubyGems" -> "gem";
                case "NuGet" -> "nuget";
                case "Cargo" -> "cargo";
                default -> null;
            };
            if (type == null) {
                return null;
            }
            String path = switch (ecosystem) {
                case "Maven" -> name.replace(':', '/');
                case "npm" -> name.startsWith("@") ? "%40" + name.substring(1) : name;
                case "PyPI" -> name.toLowerCase(Locale.ROOT).replace('_', '-');
                default -> name;
            };
            String version = ecosystem.equals("Go") ? "v" + affected : affected;
            return "pkg:" + type + "/" + path + "@" + URLEncoder.encode(version, StandardCharsets.UTF_8);
        }

        /** The last segment of the name, for branch names and prose: {@code log4j-core}, {@code net}. */
        String shortName() {
            String[] parts = name.split("[:/]");
            String last = parts[parts.length - 1];
            return last.matches("v\\d+") && parts.length > 1 ? parts[parts.length - 2] : last;
        }
    }

    static final Map<String, Integer> ECOSYSTEM_WEIGHTS = Map.of(
            "npm", 22, "PyPI", 22, "Maven", 16, "Go", 12, "Docker", 8, "RubyGems", 7, "NuGet", 7, "Cargo", 6);

    /** Iteration order for weighted picks (Map.of has none that is stable). */
    static final List<String> ECOSYSTEMS = List.of("npm", "PyPI", "Maven", "Go", "Docker", "RubyGems", "NuGet", "Cargo");

    static final Map<String, List<Pkg>> PACKAGES = Map.of(
            "PyPI", List.of(
                    new Pkg("PyPI", "django", "4.2.15", "4.2.16", "CWE-89 CWE-79 CWE-400 CWE-601"),
                    new Pkg("PyPI", "flask", "2.3.2", "2.3.3", "CWE-532 CWE-601"),
                    new Pkg("PyPI", "requests", "2.31.0", "2.32.0", "CWE-532 CWE-295"),
                    new Pkg("PyPI", "PyYAML", "5.3.1", "5.4", "CWE-502 CWE-94"),
                    new Pkg("PyPI", "jinja2", "3.1.3", "3.1.4", "CWE-79 CWE-94"),
                    new Pkg("PyPI", "pillow", "10.2.0", "10.3.0", "CWE-400 CWE-122 CWE-1333"),
                    new Pkg("PyPI", "urllib3", "2.2.1", "2.2.2", "CWE-532 CWE-918"),
                    new Pkg("PyPI", "aiohttp", "3.9.3", "3.9.4", "CWE-22 CWE-444 CWE-79"),
                    new Pkg("PyPI", "cryptography", "42.0.3", "42.0.4", "CWE-295 CWE-400 CWE-122"),
                    new Pkg("PyPI", "gunicorn", "21.2.0", "22.0.0", "CWE-444 CWE-400"),
                    new Pkg("PyPI", "werkzeug", "3.0.2", "3.0.3", "CWE-22 CWE-400 CWE-94"),
                    new Pkg("PyPI", "lxml", "4.9.1", "4.9.2", "CWE-611 CWE-122")),
            "npm", List.of(
                    new Pkg("npm", "lodash", "4.17.20", "4.17.21", "CWE-1321 CWE-1333 CWE-94"),
                    new Pkg("npm", "express", "4.19.1", "4.19.2", "CWE-601 CWE-79 CWE-22"),
                    new Pkg("npm", "axios", "1.7.3", "1.7.4", "CWE-918 CWE-1333 CWE-532"),
                    new Pkg("npm", "jsonwebtoken", "8.5.1", "9.0.0", "CWE-347"),
                    new Pkg("npm", "minimist", "1.2.5", "1.2.6", "CWE-1321"),
                    new Pkg("npm", "semver", "7.5.1", "7.5.2", "CWE-1333"),
                    new Pkg("npm", "ws", "8.17.0", "8.17.1", "CWE-400"),
                    new Pkg("npm", "node-fetch", "2.6.6", "2.6.7", "CWE-532 CWE-918"),
                    new Pkg("npm", "follow-redirects", "1.15.5", "1.15.6", "CWE-918 CWE-532 CWE-601"),
                    new Pkg("npm", "tar", "6.2.0", "6.2.1", "CWE-22 CWE-400"),
                    new Pkg("npm", "@babel/traverse", "7.22.19", "7.23.2", "CWE-94"),
                    new Pkg("npm", "path-to-regexp", "0.1.7", "0.1.10", "CWE-1333"),
                    new Pkg("npm", "body-parser", "1.20.2", "1.20.3", "CWE-400")),
            "Maven", List.of(
                    new Pkg("Maven", "org.apache.logging.log4j:log4j-core", "2.14.1", "2.17.1", "CWE-94 CWE-502 CWE-400"),
                    new Pkg("Maven", "com.fasterxml.jackson.core:jackson-databind", "2.13.4", "2.13.4.2", "CWE-502 CWE-400"),
                    new Pkg("Maven", "org.springframework:spring-web", "6.1.5", "6.1.6", "CWE-502 CWE-601 CWE-918"),
                    new Pkg("Maven", "org.yaml:snakeyaml", "1.33", "2.0", "CWE-502 CWE-400"),
                    new Pkg("Maven", "org.apache.commons:commons-text", "1.9", "1.10.0", "CWE-94"),
                    new Pkg("Maven", "io.netty:netty-codec-http2", "4.1.99.Final", "4.1.100.Final", "CWE-400 CWE-444"),
                    new Pkg("Maven", "org.postgresql:postgresql", "42.7.1", "42.7.2", "CWE-89"),
                    new Pkg("Maven", "org.apache.tomcat.embed:tomcat-embed-core", "10.1.33", "10.1.34", "CWE-444 CWE-22 CWE-400"),
                    new Pkg("Maven", "ch.qos.logback:logback-classic", "1.4.11", "1.4.12", "CWE-502 CWE-400")),
            "Go", List.of(
                    new Pkg("Go", "golang.org/x/net", "0.22.0", "0.23.0", "CWE-400 CWE-444 CWE-79"),
                    new Pkg("Go", "github.com/gin-gonic/gin", "1.9.0", "1.9.1", "CWE-601 CWE-22"),
                    new Pkg("Go", "google.golang.org/grpc", "1.58.2", "1.58.3", "CWE-400"),
                    new Pkg("Go", "golang.org/x/crypto", "0.16.0", "0.17.0", "CWE-295 CWE-347"),
                    new Pkg("Go", "github.com/golang-jwt/jwt/v5", "5.2.1", "5.2.2", "CWE-347 CWE-400"),
                    new Pkg("Go", "github.com/jackc/pgx/v5", "5.5.3", "5.5.4", "CWE-89"),
                    new Pkg("Go", "github.com/go-chi/chi/v5", "5.0.10", "5.0.11", "CWE-601")),
            "Docker", List.of(
                    new Pkg("Docker", "nginx", "1.25.3", "1.25.4", "CWE-122 CWE-444 CWE-400"),
                    new Pkg("Docker", "redis", "7.2.3", "7.2.4", "CWE-122 CWE-94"),
                    new Pkg("Docker", "postgres", "16.1", "16.2", "CWE-89 CWE-78"),
                    new Pkg("Docker", "alpine", "3.19.0", "3.19.1", "CWE-122 CWE-78"),
                    new Pkg("Docker", "node", "20.11.0-alpine", "20.11.1-alpine", "CWE-122 CWE-22 CWE-400"),
                    new Pkg("Docker", "python", "3.12.1-slim", "3.12.2-slim", "CWE-122 CWE-22 CWE-1333"),
                    new Pkg("Docker", "eclipse-temurin", "21.0.1_12-jre", "21.0.2_13-jre", "CWE-122 CWE-295 CWE-502")),
            "RubyGems", List.of(
                    new Pkg("RubyGems", "rails", "7.1.3", "7.1.3.1", "CWE-79 CWE-89 CWE-601"),
                    new Pkg("RubyGems", "rack", "3.0.9", "3.0.9.1", "CWE-1333 CWE-400 CWE-444"),
                    new Pkg("RubyGems", "nokogiri", "1.16.1", "1.16.2", "CWE-611 CWE-122"),
                    new Pkg("RubyGems", "actionpack", "7.1.3", "7.1.3.1", "CWE-79 CWE-601 CWE-1333"),
                    new Pkg("RubyGems", "puma", "6.4.1", "6.4.2", "CWE-444"),
                    new Pkg("RubyGems", "devise", "4.9.3", "4.9.4", "CWE-347 CWE-601")),
            "NuGet", List.of(
                    new Pkg("NuGet", "Newtonsoft.Json", "12.0.3", "13.0.1", "CWE-400 CWE-502"),
                    new Pkg("NuGet", "System.Text.Json", "8.0.3", "8.0.4", "CWE-400"),
                    new Pkg("NuGet", "Microsoft.Data.SqlClient", "5.1.4", "5.1.5", "CWE-295 CWE-532"),
                    new Pkg("NuGet", "Npgsql", "8.0.2", "8.0.3", "CWE-89"),
                    new Pkg("NuGet", "System.IdentityModel.Tokens.Jwt", "7.1.1", "7.1.2", "CWE-347 CWE-400"),
                    new Pkg("NuGet", "Azure.Identity", "1.10.4", "1.11.0", "CWE-532")),
            "Cargo", List.of(
                    new Pkg("Cargo", "h2", "0.3.25", "0.3.26", "CWE-400"),
                    new Pkg("Cargo", "hyper", "0.14.27", "0.14.28", "CWE-444 CWE-400"),
                    new Pkg("Cargo", "openssl", "0.10.63", "0.10.64", "CWE-122 CWE-295"),
                    new Pkg("Cargo", "rustls", "0.21.10", "0.21.11", "CWE-400 CWE-295"),
                    new Pkg("Cargo", "regex", "1.5.4", "1.5.5", "CWE-1333 CWE-400"),
                    new Pkg("Cargo", "mio", "0.8.10", "0.8.11", "CWE-400"),
                    new Pkg("Cargo", "shlex", "1.2.0", "1.3.0", "CWE-78")));

    static String language(String ecosystem) {
        return switch (ecosystem) {
            case "PyPI" -> "python";
            case "npm" -> "javascript";
            case "Maven" -> "java";
            case "Go" -> "go";
            case "RubyGems" -> "ruby";
            case "NuGet" -> "csharp";
            case "Cargo" -> "rust";
            default -> null;
        };
    }

    // ------------------------------------------------------------------ services

    /** A microservice and the ecosystem it is built with. */
    record Service(String name, String ecosystem) {
    }

    static final List<Service> SERVICES = List.of(
            new Service("payments-api", "PyPI"),
            new Service("auth-service", "Go"),
            new Service("checkout-web", "npm"),
            new Service("orders-api", "Maven"),
            new Service("inventory-service", "Maven"),
            new Service("notification-service", "npm"),
            new Service("user-profile-api", "RubyGems"),
            new Service("search-service", "Maven"),
            new Service("billing-worker", "NuGet"),
            new Service("api-gateway", "Go"),
            new Service("reporting-service", "PyPI"),
            new Service("media-upload-service", "Cargo"),
            new Service("admin-portal", "RubyGems"),
            new Service("recommendation-engine", "PyPI"),
            new Service("shipping-service", "NuGet"),
            new Service("edge-proxy", "Cargo"));

    // ------------------------------------------------------------------ vulnerability kinds

    /**
     * A kind of vulnerability.
     *
     * @param cwe        the CWE id
     * @param ecosystems where it occurs (empty: anywhere)
     * @param metrics    the CVSS metric values it can have, e.g. {@code "AV:N AC:LH PR:NL UI:N S:U C:H I:HL A:HN"}
     * @param components where in a package it lives, for the prose
     * @param summary    summary template: {@code {pkg}}, {@code {component}}
     * @param details    first sentences of the details: {@code {pkg}}, {@code {component}}
     * @param module     the source module a code patch touches, e.g. {@code db/queries}
     * @param web        whether a WAF rule can mitigate it
     * @param patterns   ast-grep pattern per language
     */
    record Kind(String cwe, Set<String> ecosystems, String metrics, List<String> components, List<String> summary,
                String details, String module, boolean web, Map<String, String> patterns) {

        boolean appliesTo(String ecosystem) {
            return ecosystems.isEmpty() || !ECOSYSTEMS.contains(ecosystem) || ecosystems.contains(ecosystem);
        }

        /** A random vector within this kind's metrics, never without impact. */
        String vector(RandomGenerator rnd) {
            while (true) {
                StringBuilder v = new StringBuilder(Cvss31.PREFIX);
                for (String metric : metrics.split(" ")) {
                    String[] kv = metric.split(":");
                    if (v.length() > Cvss31.PREFIX.length()) {
                        v.append('/');
                    }
                    v.append(kv[0]).append(':').append(kv[1].charAt(rnd.nextInt(kv[1].length())));
                }
                String s = v.toString();
                if (!s.endsWith("C:N/I:N/A:N")) {
                    return s;
                }
            }
        }
    }

    private static final Set<String> ANY = Set.of();

    static final List<Kind> KINDS = List.of(
            new Kind("CWE-89", Set.of("PyPI", "npm", "Maven", "Go", "RubyGems", "NuGet"),
                    "AV:N AC:L PR:NL UI:N S:U C:H I:HL A:HNL",
                    List.of("ORDER BY column aliases", "the where() clause builder", "raw sort parameters",
                            "JSON field key lookups", "the bulk upsert helper"),
                    List.of("SQL injection in {pkg} via {component}", "{pkg} vulnerable to SQL injection through {component}"),
                    "{pkg} does not neutralise special elements in {component} before building the SQL statement. "
                            + "An attacker who controls this input can inject arbitrary SQL, read or modify data in the "
                            + "backing database and, depending on privileges, execute commands on the database host.",
                    "db/queries", true,
                    Map.of("python", "$CURSOR.execute($SQL % $ARGS)", "javascript", "$DB.query($SQL + $INPUT)",
                            "java", "$STMT.executeQuery($SQL + $INPUT)", "go", "$DB.Query(fmt.Sprintf($FMT, $$$ARGS))",
                            "ruby", "$MODEL.where(\"#{$INPUT}\")", "csharp", "new SqlCommand($SQL + $INPUT, $CONN)")),
            new Kind("CWE-1321", Set.of("npm"),
                    "AV:N AC:LH PR:N UI:N S:U C:HLN I:HL A:HLN",
                    List.of("merge() and defaultsDeep()", "the set() path helper", "query string parsing",
                            "deep clone of untrusted objects"),
                    List.of("Prototype pollution in {pkg}", "Prototype pollution in {pkg} via {component}"),
                    "Versions of {pkg} are vulnerable to prototype pollution through {component}. A crafted payload "
                            + "using __proto__ or constructor.prototype keys can add or modify properties of "
                            + "Object.prototype, leading to denial of service, property injection and, in some "
                            + "applications, remote code execution.",
                    "lib/merge", true,
                    Map.of("javascript", "_.merge($TARGET, $SOURCE)")),
            new Kind("CWE-22", ANY,
                    "AV:N AC:L PR:NL UI:N S:U C:H I:NLH A:N",
                    List.of("the static file handler", "archive extraction", "the template loader",
                            "the upload storage backend"),
                    List.of("Path traversal in {pkg} via {component}", "{pkg} allows directory traversal via {component}"),
                    "{pkg} does not properly restrict path names passed to {component}. Sequences such as ../ or "
                            + "encoded variants (%2e%2e%2f) let a remote attacker read or overwrite files outside the "
                            + "intended directory.",
                    "storage/files", true,
                    Map.of("python", "open(os.path.join($BASE, $NAME))", "javascript", "res.sendFile($PATH)",
                            "java", "new File($BASE, $NAME)", "go", "filepath.Join($BASE, $NAME)",
                            "ruby", "File.read(params[$KEY])", "rust", "$BASE.join($NAME)")),
            new Kind("CWE-502", Set.of("Maven", "PyPI", "NuGet", "RubyGems"),
                    "AV:N AC:LH PR:NL UI:N S:U C:H I:H A:H",
                    List.of("polymorphic type handling", "the YAML constructor", "session cookie decoding",
                            "the message queue codec"),
                    List.of("Deserialization of untrusted data in {pkg}", "Remote code execution in {pkg} via {component}"),
                    "{pkg} deserializes untrusted data in {component} without restricting the types it may "
                            + "instantiate. An attacker who can supply serialized input can trigger gadget chains "
                            + "available on the classpath and execute arbitrary code.",
                    "messaging/codec", false,
                    Map.of("java", "new ObjectInputStream($IN).readObject()", "python", "yaml.load($DATA)",
                            "csharp", "JsonConvert.DeserializeObject($JSON, $SETTINGS)", "ruby", "Marshal.load($DATA)")),
            new Kind("CWE-918", Set.of("PyPI", "npm", "Go", "Maven", "RubyGems"),
                    "AV:N AC:L PR:NL UI:N S:UC C:LH I:LN A:N",
                    List.of("redirect handling", "the webhook URL validator", "proxy environment parsing",
                            "absolute URLs in path arguments"),
                    List.of("Server-Side Request Forgery in {pkg}", "{pkg} SSRF via {component}"),
                    "{pkg} can be made to send requests to arbitrary hosts through {component}. An attacker can "
                            + "reach internal services and cloud metadata endpoints (169.254.169.254) and exfiltrate "
                            + "credentials.",
                    "integrations/webhooks", true,
                    Map.of("python", "requests.get($URL)", "javascript", "axios.get($URL)", "go", "http.Get($URL)",
                            "java", "new URL($URL).openStream()", "ruby", "Net::HTTP.get(URI($URL))")),
            new Kind("CWE-1333", Set.of("npm", "PyPI", "RubyGems", "Go", "Cargo"),
                    "AV:N AC:LH PR:N UI:N S:U C:N I:N A:HL",
                    List.of("range parsing", "header value parsing", "the email address validator",
                            "route pattern matching"),
                    List.of("Regular Expression Denial of Service (ReDoS) in {pkg}", "Inefficient regular expression complexity in {pkg} {component}"),
                    "The regular expression used by {pkg} for {component} exhibits catastrophic backtracking. A "
                            + "crafted input of a few kilobytes makes the matcher run for minutes, blocking the event "
                            + "loop or worker thread.",
                    "validation/patterns", true,
                    Map.of("javascript", "new RegExp($PATTERN)", "python", "re.compile($PATTERN)",
                            "ruby", "Regexp.new($PATTERN)", "go", "regexp.MustCompile($PATTERN)",
                            "rust", "Regex::new($PATTERN)")),
            new Kind("CWE-79", Set.of("npm", "PyPI", "RubyGems", "Maven"),
                    "AV:N AC:L PR:NL UI:R S:C C:L I:L A:N",
                    List.of("the error page template", "markdown rendering", "the admin list filter",
                            "link attribute sanitisation"),
                    List.of("Cross-site scripting in {component} of {pkg}", "{pkg} vulnerable to stored XSS via {component}"),
                    "{pkg} does not escape user-controlled values rendered by {component}. An attacker can inject "
                            + "script that runs in the victim's browser session.",
                    "views/render", true,
                    Map.of("javascript", "$EL.innerHTML = $VALUE", "python", "Markup($VALUE)",
                            "ruby", "$VALUE.html_safe", "java", "$RESP.getWriter().write($VALUE)")),
            new Kind("CWE-400", Set.of("Go", "Maven", "Cargo", "Docker", "NuGet", "npm"),
                    "AV:N AC:L PR:N UI:N S:U C:N I:N A:HL",
                    List.of("deeply nested input", "header list size accounting", "compressed request bodies",
                            "many concurrent streams per connection"),
                    List.of("Uncontrolled resource consumption in {pkg} via {component}", "{pkg} denial of service via {component}"),
                    "{pkg} does not bound the resources consumed by {component}. A remote client can exhaust CPU "
                            + "or memory with a stream of small requests and take the service down.",
                    "server/limits", true,
                    Map.of("go", "http2.ConfigureServer($SRV, nil)", "java", "Http2FrameCodecBuilder.forServer()",
                            "rust", "h2::server::handshake($IO)", "javascript", "new WebSocketServer($OPTS)")),
            new Kind("CWE-444", Set.of("npm", "PyPI", "Cargo", "Go", "Docker", "Maven"),
                    "AV:N AC:LH PR:N UI:N S:U C:LH I:LH A:N",
                    List.of("chunked transfer-encoding parsing", "duplicate Content-Length headers",
                            "obsolete line folding"),
                    List.of("HTTP request smuggling in {pkg}", "Inconsistent interpretation of {component} in {pkg}"),
                    "{pkg} interprets {component} differently from common front-end proxies. An attacker can "
                            + "smuggle a second request past the proxy, bypass access controls and poison shared "
                            + "caches.",
                    "http/parser", true,
                    Map.of()),
            new Kind("CWE-611", Set.of("Maven", "NuGet", "PyPI", "RubyGems"),
                    "AV:N AC:L PR:NL UI:N S:U C:H I:NL A:NL",
                    List.of("the XML parser defaults", "SAML response parsing", "SVG metadata extraction"),
                    List.of("XML External Entity (XXE) injection in {pkg}", "{pkg} resolves external entities in {component}"),
                    "{pkg} resolves external entities when processing untrusted XML in {component}. An attacker "
                            + "can read local files, perform SSRF or cause denial of service with entity expansion.",
                    "xml/import", true,
                    Map.of("java", "DocumentBuilderFactory.newInstance()", "python", "etree.fromstring($XML)",
                            "csharp", "new XmlDocument()", "ruby", "Nokogiri::XML($XML)")),
            new Kind("CWE-347", Set.of("npm", "PyPI", "Go", "NuGet", "Maven"),
                    "AV:N AC:LH PR:N UI:N S:U C:H I:H A:N",
                    List.of("JWT algorithm selection", "key ID lookup", "signature verification of empty tokens"),
                    List.of("Improper signature verification in {pkg}", "{pkg} authentication bypass via {component}"),
                    "{pkg} does not correctly verify signatures during {component}. An attacker can forge tokens "
                            + "that are accepted as valid and impersonate any user.",
                    "auth/tokens", false,
                    Map.of("javascript", "jwt.verify($TOKEN, $KEY)", "python", "jwt.decode($TOKEN, options=$OPTS)",
                            "go", "jwt.Parse($TOKEN, $KEYFUNC)", "csharp", "new JwtSecurityTokenHandler()")),
            new Kind("CWE-295", Set.of("PyPI", "Cargo", "Go", "NuGet", "npm"),
                    "AV:N AC:H PR:N UI:N S:U C:HL I:HLN A:N",
                    List.of("hostname verification", "certificate chain building", "proxy TLS handling"),
                    List.of("Improper certificate validation in {pkg}", "{pkg} skips {component} in some configurations"),
                    "{pkg} does not perform {component} correctly in some configurations, allowing a "
                            + "man-in-the-middle attacker to intercept and modify TLS traffic.",
                    "net/tls", false,
                    Map.of("python", "requests.get($URL, verify=False)", "go", "tls.Config{InsecureSkipVerify: true}")),
            new Kind("CWE-78", Set.of("npm", "PyPI", "Docker", "RubyGems", "Go", "Cargo"),
                    "AV:NL AC:L PR:NL UI:N S:U C:H I:H A:H",
                    List.of("argument quoting", "the shell helper", "git URL handling"),
                    List.of("OS command injection in {pkg}", "{pkg} command injection via {component}"),
                    "{pkg} builds shell commands from untrusted input in {component} without proper quoting. An "
                            + "attacker can execute arbitrary commands with the privileges of the service.",
                    "ops/shell", false,
                    Map.of("python", "subprocess.run($CMD, shell=True)", "javascript", "child_process.exec($CMD)",
                            "ruby", "system($CMD)", "go", "exec.Command(\"sh\", \"-c\", $CMD)")),
            new Kind("CWE-601", Set.of("npm", "PyPI", "RubyGems", "Maven", "Go"),
                    "AV:N AC:L PR:N UI:R S:C C:L I:L A:N",
                    List.of("the login next= parameter", "redirect URL normalisation"),
                    List.of("Open redirect in {pkg}", "{pkg} open redirect via {component}"),
                    "{pkg} does not validate the target of {component}. An attacker can craft links on a trusted "
                            + "domain that redirect users to a phishing site.",
                    "web/redirects", true,
                    Map.of("javascript", "res.redirect($URL)", "python", "redirect($URL)")),
            new Kind("CWE-94", Set.of("npm", "PyPI", "Maven", "RubyGems", "Docker"),
                    "AV:N AC:LH PR:NL UI:N S:UC C:H I:H A:HL",
                    List.of("template rendering in the sandbox", "lookups in interpolated strings",
                            "evaluation of user-supplied expressions", "the debugger console"),
                    List.of("Remote code execution in {pkg} via {component}", "Code injection in {pkg}"),
                    "{pkg} evaluates attacker-controlled input through {component}. A remote attacker can "
                            + "execute arbitrary code in the context of the application.",
                    "templates/render", true,
                    Map.of("python", "Template($SRC).render($$$ARGS)", "javascript", "new Function($CODE)",
                            "java", "StringSubstitutor.createInterpolator().replace($INPUT)", "ruby", "eval($CODE)")),
            new Kind("CWE-532", ANY,
                    "AV:NL AC:L PR:LH UI:N S:U C:LH I:N A:N",
                    List.of("debug logging", "error reporting", "request tracing"),
                    List.of("Sensitive information written to logs by {pkg}", "{pkg} leaks credentials through {component}"),
                    "{pkg} writes credentials or session tokens to logs in {component}. Users with read access to "
                            + "the logs can obtain them.",
                    "logging/config", false,
                    Map.of()),
            new Kind("CWE-122", Set.of("Docker", "Cargo"),
                    "AV:N AC:LH PR:N UI:NR S:U C:HN I:HN A:H",
                    List.of("the bundled libexpat", "zlib inflate", "the bundled OpenSSL", "image header parsing"),
                    List.of("Heap buffer overflow in {component} ({pkg})", "Memory corruption in {pkg}: {component}"),
                    "A heap-based buffer overflow in {component} shipped with {pkg} can be triggered by crafted "
                            + "input, leading to a crash or potentially arbitrary code execution.",
                    "Dockerfile", false,
                    Map.of()));
}
