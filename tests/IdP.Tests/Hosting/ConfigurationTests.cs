using IdP.Tests.Infrastructure;

namespace IdP.Tests.Hosting;

/// <summary>An operator's mistakes in settings stop the server at once, with a message that names the setting.</summary>
public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("Server__Issuer", "not-a-url", "Server:Issuer")]
    [InlineData("Server__Issuer", "http://idp.example.com/", "Server:Issuer must use https")]
    [InlineData("Tokens__AccessTokenLifetime", "-00:01:00", "Tokens:AccessTokenLifetime")]
    [InlineData("Tokens__AccessTokenLifetime", "ten minutes", "Tokens:AccessTokenLifetime")]
    [InlineData("Server__Issuer", "", "Server:Issuer is not set")]
    [InlineData("Keys__RsaKeySize", "1024", "Keys:RsaKeySize must be 2048, 3072 or 4096.")]
    [InlineData("Tokens__DefaultAudience", "zowe-gateway", "Tokens:DefaultAudience must not be a gateway audience (Mfa:GatewayAudiences)")]
    [InlineData("Mfa__TotpPeriodSeconds", "5", "Mfa:TotpPeriodSeconds must be between 15 and 120.")]
    [InlineData("Database__SqliteSynchronous", "Off", "Database:SqliteSynchronous must be Normal or Full.")]
    [InlineData("Demo__Enabled", "true", "Demo:Enabled")]
    [InlineData("RateLimits__Login__Window", "00:00:00", "RateLimits:Login:Window")]
    [InlineData("Server__KnownProxies__0", "10.0.0.0/8", "Server:KnownProxies")]
    [InlineData("Mainframe__Mapper__GatewayJwksUrls__0", "not a url", "Mainframe:Mapper:GatewayJwksUrls")]
    [InlineData("DataProtection__Certificate__Path", "/nonexistent/keyring.pfx", "DataProtection:Certificate:Path")]
    [InlineData("ClientCache__ChangePollInterval", "00:05:00", "ClientCache:ChangePollInterval")]
    [InlineData("Metrics__AllowedNetworks__0", "everyone", "Metrics:AllowedNetworks")]
    [InlineData("Metrics__Path", "metrics", "Metrics:Path")]
    [InlineData("Metrics__Enabled", "yes", "Metrics:Enabled")]
    [InlineData("Tracing__OtlpProtocol", "udp", "Tracing:OtlpProtocol")]
    [InlineData("Database__ConnectionString", "Data Source=idp.db;Mode=Bogus", "Database:ConnectionString is not a valid Sqlite connection string")]
    [InlineData("ASPNETCORE_URLS", "garbage", "Invalid url: 'garbage'. Check ASPNETCORE_URLS or Kestrel:Endpoints")]
    [InlineData("ASPNETCORE_URLS", "http://127.0.0.1:99999", "a listening address has a port outside 0-65535")]
    // 192.0.2.0/24 is reserved for documentation (RFC 5737): no host has it, so binding fails with EADDRNOTAVAIL.
    [InlineData("ASPNETCORE_URLS", "http://192.0.2.1:5000", "cannot listen on a configured address")]
    [InlineData("ASPNETCORE_URLS", "https://127.0.0.1:0", "Kestrel: ASPNETCORE_URLS (or Urls) has an https address and no certificate")]
    [InlineData("Logging__LogLevel__Default", "Verbose", "Logging:LogLevel: Configuration value 'Verbose' is not supported")]
    public async Task an_invalid_setting_stops_the_server_with_a_message_naming_it(string variable, string value, string expected)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "idp-tests", Guid.NewGuid().ToString("N"));
        var environment = new Dictionary<string, string>
        {
            ["Server__Issuer"] = "https://idp.example.com/",
            ["Database__DataDirectory"] = dataDirectory,
            [variable] = value,
        };

        var result = await ServerProcess.RunAsync(environment, TimeSpan.FromSeconds(60));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(expected, result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal); // no stack trace
        Assert.DoesNotContain("DataAnnotation validation failed", result.StandardError, StringComparison.Ordinal); // the setting's name, not the class's
    }

    [Fact]
    public async Task a_database_that_never_answers_stops_start_up_after_the_timeout_with_a_message_and_no_stack_trace()
    {
        // Nothing listens on this port: PostgreSQL is "down" for the whole start-up timeout.
        var environment = new Dictionary<string, string>
        {
            ["Server__Issuer"] = "https://idp.example.com/",
            ["Database__Provider"] = "PostgreSql",
            ["Database__ConnectionString"] = $"Host=127.0.0.1;Port={IdpProcess.FreePort()};Database=idp;Username=idp;Timeout=2",
            ["Database__StartupTimeout"] = "00:00:03",
        };

        var result = await ServerProcess.RunAsync(environment, TimeSpan.FromSeconds(60));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("the database did not answer within Database:StartupTimeout", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("missing", "an HTTPS endpoint's certificate could not be read", "Kestrel:Endpoints:<name>:Certificate")]
    [InlineData("not a certificate", "an HTTPS endpoint's certificate could not be loaded", "Kestrel:Endpoints:<name>:Certificate")]
    [InlineData("the certificate as its key", "an HTTPS endpoint's private key could not be loaded", "KeyPath must be the certificate's PEM private key")]
    [InlineData("another certificate's key", "Error getting private key", "the key must be the certificate's")]
    // With none, Kestrel would serve the development certificate of the account running IdP, if it has one.
    [InlineData("none", "Kestrel:Endpoints:Https is an https address with no certificate", "Kestrel:Endpoints:Https:Certificate")]
    public async Task an_https_endpoint_whose_certificate_cannot_be_used_stops_start_up_with_a_message_naming_the_setting(
        string certificate, string expected, string setting)
    {
        var directory = Directory.CreateTempSubdirectory("idp-tls").FullName;
        try
        {
            var (certificatePath, keyPath) = (Path.Combine(directory, "cert.pem"), Path.Combine(directory, "key.pem"));
            switch (certificate)
            {
                case "not a certificate":
                    await File.WriteAllTextAsync(certificatePath, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
                    await File.WriteAllTextAsync(keyPath, "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
                    break;
                case "the certificate as its key":
                    LocalhostCertificate.WritePem(directory).Dispose();
                    keyPath = certificatePath;
                    break;
                case "another certificate's key":
                    LocalhostCertificate.WritePem(directory).Dispose();
                    using (var other = System.Security.Cryptography.RSA.Create(2048))
                    {
                        await File.WriteAllTextAsync(keyPath, other.ExportPkcs8PrivateKeyPem());
                    }

                    break;
            }

            var environment = new Dictionary<string, string>
            {
                ["Server__Issuer"] = "https://idp.example.com/",
                ["Database__DataDirectory"] = Path.Combine(directory, "data"),
                ["Kestrel__Endpoints__Https__Url"] = $"https://127.0.0.1:{IdpProcess.FreePort()}",
            };
            if (certificate != "none")
            {
                environment["Kestrel__Endpoints__Https__Certificate__Path"] = certificatePath;
                environment["Kestrel__Endpoints__Https__Certificate__KeyPath"] = keyPath;
            }

            var result = await ServerProcess.RunAsync(environment, TimeSpan.FromSeconds(60));

            // Not the key-ring message, which a certificate error would otherwise be mistaken for.
            Assert.Equal(1, result.ExitCode);
            Assert.Contains("IdP cannot start: " + expected, result.StandardError, StringComparison.Ordinal);
            Assert.Contains(setting, result.StandardError, StringComparison.Ordinal);
            Assert.DoesNotContain("Data Protection key ring", result.StandardError, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task an_address_another_process_listens_on_stops_start_up_with_a_message_naming_it()
    {
        using var other = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        other.Start();
        var address = $"http://127.0.0.1:{((System.Net.IPEndPoint)other.LocalEndpoint).Port}";
        var environment = new Dictionary<string, string>
        {
            ["Server__Issuer"] = "https://idp.example.com/",
            ["Database__DataDirectory"] = Path.Combine(Path.GetTempPath(), "idp-tests", Guid.NewGuid().ToString("N")),
            ["ASPNETCORE_URLS"] = address,
        };

        var result = await ServerProcess.RunAsync(environment, TimeSpan.FromSeconds(60));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"IdP cannot start: Failed to bind to address {address}", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("ASPNETCORE_URLS or Kestrel:Endpoints", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_data_directory_that_cannot_be_created_stops_start_up_with_a_message_naming_the_setting()
    {
        // A path under a regular file: no account can create it, root included.
        var file = Path.GetTempFileName();
        var environment = new Dictionary<string, string>
        {
            ["Server__Issuer"] = "https://idp.example.com/",
            ["Database__DataDirectory"] = Path.Combine(file, "data"),
        };

        try
        {
            var result = await ServerProcess.RunAsync(environment, TimeSpan.FromSeconds(60));

            Assert.Equal(1, result.ExitCode);
            Assert.Contains($"IdP cannot start: Database:DataDirectory: the folder {Path.Combine(file, "data")} cannot be created",
                result.StandardError, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("Host=db.internal;Port=54e2;Username=idp;Password=hunter2-not-for-logs", "the value of 'port' is not valid")]
    // An unquoted ';' in the password: what follows it reads as a keyword, which must not be repeated either.
    [InlineData("Host=db.internal;Username=idp;Password=hunter2;not-for-logs=x", "it has a keyword the provider does not know")]
    public async Task a_malformed_postgresql_connection_string_stops_start_up_with_what_is_wrong_and_never_the_password(string connectionString, string expected)
    {
        var environment = new Dictionary<string, string>
        {
            ["Server__Issuer"] = "https://idp.example.com/",
            ["Database__Provider"] = "PostgreSql",
            ["Database__ConnectionString"] = connectionString,
        };

        var result = await ServerProcess.RunAsync(environment, TimeSpan.FromSeconds(60));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Database:ConnectionString is not a valid PostgreSql connection string: " + expected, result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", result.StandardError + result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("not-for-logs", result.StandardError + result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
    }
}
