using IdP.Server.Administration;
using IdP.Tests.Infrastructure;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Deployment;

/// <summary>
/// The deployment docs/deployment.md describes, for real: two IdP server processes on one PostgreSQL database,
/// behind nginx running the sample configuration, TLS terminated at nginx. Users and clients are created through
/// IdP's administration services on the same database, as an operator's <c>idp users add</c> would.
/// </summary>
public sealed class ScaleOutDeployment : IAsyncLifetime
{
    public const string ClientId = "scale-web";
    public const string Password = "Scale-Out-Pass-1";

    private readonly string _database = "idp_scale_" + Guid.NewGuid().ToString("N")[..12];
    private IdpFactory? _administration;

    public IdpProcess InstanceA { get; private set; } = null!;
    public IdpProcess InstanceB { get; private set; } = null!;
    public NginxBalancer Balancer { get; private set; } = null!;
    public string ClientSecret { get; private set; } = "";
    public Dictionary<string, string?> Settings { get; } = new();

    /// <summary>The users' authenticator apps (real time: the instances run on the system clock).</summary>
    public TestAuthenticators Authenticators => _administration!.Authenticators;

    public IdpProcess Instance(string servedBy)
        => servedBy == InstanceA.Address ? InstanceA : servedBy == InstanceB.Address ? InstanceB
            : throw new Xunit.Sdk.XunitException($"'{servedBy}' is neither instance.");

    public async Task InitializeAsync()
    {
        var cluster = PostgreSqlCluster.Shared;
        await cluster.CreateDatabaseAsync(_database);
        var port = IdpProcess.FreePort();
        Settings["Server:Issuer"] = $"https://localhost:{port}/";
        Settings["Server:KnownProxies:0"] = "127.0.0.1";
        Settings["Database:Provider"] = "PostgreSql";
        Settings["Database:ConnectionString"] = cluster.ConnectionStringFor(_database);
        // A key rotated anywhere is published by every instance within this.
        Settings["Keys:RefreshInterval"] = "00:00:02";
        foreach (var group in new[] { "Login", "SecondFactor", "Token", "DeviceVerification", "Mapper" })
        {
            Settings[$"RateLimits:{group}:PermitLimitPerIp"] = "100000";
            Settings[$"RateLimits:{group}:PermitLimitPerAccount"] = "100000";
        }

        // The first instance migrates and creates the keys; the second starts on the migrated database.
        InstanceA = IdpProcess.Start("instance A", Settings);
        await InstanceA.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        InstanceB = IdpProcess.Start("instance B", Settings);
        await InstanceB.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        Balancer = await NginxBalancer.StartAsync(port, InstanceA.Address, InstanceB.Address);

        _administration = IdpFactory.On(IdpFactory.NewDataDirectory(), new Dictionary<string, string?>
        {
            ["Database:Provider"] = "PostgreSql",
            ["Database:ConnectionString"] = Settings["Database:ConnectionString"],
            ["Housekeeping:Enabled"] = "false",
        });
        ClientSecret = (await _administration.CreateClientAsync(new ClientSpec(ClientId, ClientKind.Confidential,
            [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken], [OidcClient.DefaultRedirectUri], [],
            [Scopes.OpenId, Scopes.Profile, Scopes.OfflineAccess])))!;
    }

    /// <summary>A user with a password and an authenticator app.</summary>
    public Task CreateUserAsync(string userName) => _administration!.CreateUserAsync(userName, Password);

    /// <summary>Runs an administration command (<c>idp keys rotate</c>, ...) on this deployment's database.</summary>
    public Task<CliResult> RunCommandAsync(params string[] args) => AdminCli.RunAsync(Settings, "", args);

    /// <summary>An HTTP client for the deployment's public address (through nginx, over TLS).</summary>
    public HttpClient CreateClient(HttpMessageHandler handler) => new(handler, disposeHandler: false) { BaseAddress = Balancer.BaseAddress };

    public async Task DisposeAsync()
    {
        await Balancer.DisposeAsync();
        await InstanceA.DisposeAsync();
        await InstanceB.DisposeAsync();
        _administration?.Dispose();
        await PostgreSqlCluster.Shared.DropDatabaseAsync(_database);
    }
}

/// <summary>
/// Records which instance served every request (nginx's <see cref="NginxBalancer.ServedByHeader"/>), and steers each
/// POST to the instance that did not serve the previous POST: nginx alternates strictly (round robin, one worker), so
/// sending cheap <c>/health/live</c> probes until one lands where the last POST did makes the next request land on
/// the other. The test then checks where each step really went.
/// </summary>
public sealed class AlternatingPosts(HttpMessageHandler inner, bool steer = true) : DelegatingHandler(inner)
{
    private string? _lastPostInstance;

    public List<(string Method, string Path, string Instance)> Served { get; } = [];

    /// <summary>The instance that served the last POST.</summary>
    public string LastPostInstance => _lastPostInstance ?? "";

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (steer && request.Method == HttpMethod.Post && _lastPostInstance is not null)
        {
            for (var probe = 0; probe < 4; probe++)
            {
                using var probeRequest = new HttpRequestMessage(HttpMethod.Get, new Uri(request.RequestUri!, "/health/live"));
                using var probeResponse = await base.SendAsync(probeRequest, cancellationToken);
                if (ServedBy(probeResponse) == _lastPostInstance)
                {
                    break;
                }
            }
        }

        var response = await base.SendAsync(request, cancellationToken);
        var instance = ServedBy(response);
        Served.Add((request.Method.Method, request.RequestUri!.AbsolutePath, instance));
        if (request.Method == HttpMethod.Post)
        {
            _lastPostInstance = instance;
        }

        return response;
    }

    public static string ServedBy(HttpResponseMessage response)
        => response.Headers.TryGetValues(NginxBalancer.ServedByHeader, out var values) ? values.Single() : "";
}
