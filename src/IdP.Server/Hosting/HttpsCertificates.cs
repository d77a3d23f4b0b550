namespace IdP.Server.Hosting;

/// <summary>
/// Outside Development, every HTTPS address IdP listens on must name its certificate. Otherwise Kestrel falls back
/// to the ASP.NET Core development certificate of the account running IdP, where one was ever created, and would
/// serve it in production.
/// </summary>
internal static class HttpsCertificates
{
    private const string Advice = "or serve plain HTTP behind a proxy that terminates TLS (docs/deployment.md)";

    /// <summary>Throws, naming the setting, when an https address has no certificate configured.</summary>
    public static void Require(IConfiguration configuration, IHostEnvironment environment)
    {
        var kestrel = configuration.GetSection("Kestrel");
        if (environment.IsDevelopment() || NamesCertificate(kestrel.GetSection("Certificates:Default")))
        {
            return;
        }

        var endpoints = kestrel.GetSection("Endpoints").GetChildren().ToList();
        foreach (var endpoint in endpoints.Where(e => IsHttps(e["Url"])))
        {
            if (!NamesCertificate(endpoint.GetSection("Certificate")) && !endpoint.GetSection("Sni").GetChildren().Any())
            {
                throw new InvalidOperationException(
                    $"Kestrel:Endpoints:{endpoint.Key} is an https address with no certificate. Set " +
                    $"Kestrel:Endpoints:{endpoint.Key}:Certificate (Path, and KeyPath or Password), {Advice}.");
            }
        }

        // ASPNETCORE_URLS, --urls and Urls count only when no endpoint is configured (Kestrel then ignores them).
        if (endpoints.Count == 0 && (configuration[WebHostDefaults.ServerUrlsKey] ?? "").Split(';').Any(IsHttps))
        {
            throw new InvalidOperationException(
                "Kestrel: ASPNETCORE_URLS (or Urls) has an https address and no certificate is configured. Name one under " +
                $"Kestrel:Endpoints or Kestrel:Certificates:Default, {Advice}.");
        }
    }

    private static bool NamesCertificate(IConfigurationSection certificate)
        => !string.IsNullOrWhiteSpace(certificate["Path"]) || !string.IsNullOrWhiteSpace(certificate["Subject"]);

    private static bool IsHttps(string? url) => url?.TrimStart().StartsWith("https:", StringComparison.OrdinalIgnoreCase) == true;
}
