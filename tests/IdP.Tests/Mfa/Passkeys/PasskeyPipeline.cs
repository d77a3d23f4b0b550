using System.Buffers.Text;
using System.Text.Json.Nodes;
using IdP.Server.Accounts;
using IdP.Server.Data;
using IdP.Server.Mfa.Passkeys;
using IdP.Server.Protocol;
using IdP.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace IdP.Tests.Mfa.Passkeys;

/// <summary>
/// IdP's passkey services as the server registers them (AddIdpDatabase, AddIdpAccounts, AddIdpPasskeys) on a
/// migrated SQLite file, with one user. Ceremonies go through <see cref="IPasskeyHandler{TUser}"/> from the
/// container, i.e. <see cref="IdpPasskeyHandler"/> around Identity's <see cref="PasskeyHandler{TUser}"/>.
/// </summary>
/// <remarks>
/// The handler makes a random challenge and round-trips it in its state (JSON). A recorded ceremony was signed over
/// another challenge, so the harness asks for real options, then swaps the state's challenge for the recorded one.
/// </remarks>
public sealed class PasskeyPipeline : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly string _dataDirectory;

    private PasskeyPipeline(ServiceProvider services, string dataDirectory, IdpUser user)
    {
        _services = services;
        _dataDirectory = dataDirectory;
        User = user;
    }

    public IdpUser User { get; }

    public RecordingCloneSink CloneSink => (RecordingCloneSink)_services.GetRequiredService<IPasskeyCloneDetectionSink>();

    /// <summary>
    /// The W3C vectors' relying party (<c>example.org</c>, <c>https://example.org</c>) and user verification
    /// "preferred" (several vectors did not verify the user), overridable through <paramref name="settings"/>.
    /// </summary>
    public static async Task<PasskeyPipeline> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "idp-tests", Guid.NewGuid().ToString("N"));
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Server:Issuer"] = "https://idp.example.net/",
                ["Mfa:Passkeys:ServerDomain"] = W3cTestVectors.RpId,
                ["Mfa:Passkeys:AllowedOrigins:0"] = W3cTestVectors.Origin,
                ["Mfa:Passkeys:UserVerification"] = "preferred",
            })
            .AddInMemoryCollection(TestDatabase.SettingsFor(dataDirectory))
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
            .Build();

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddOptions<IdpServerOptions>().Bind(configuration.GetSection(IdpServerOptions.SectionName)); // as AddIdpProtocol does
        services.AddIdpDatabase(configuration);
        services.AddIdpAccounts(configuration);
        services.AddIdpPasskeys(configuration);
        services.Replace(ServiceDescriptor.Singleton<IPasskeyCloneDetectionSink, RecordingCloneSink>());

        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
        await using var scope = provider.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync();
        var user = new IdpUser { UserName = "alice", CreatedAt = DateTimeOffset.UtcNow };
        var created = await scope.ServiceProvider.GetRequiredService<UserManager<IdpUser>>().CreateAsync(user);
        Assert.True(created.Succeeded, string.Join("; ", created.Errors.Select(e => e.Description)));
        return new PasskeyPipeline(provider, dataDirectory, user);
    }

    public Task<PasskeyAttestationResult> RegisterAsync(W3cRegistration registration)
        => RegisterAsync(registration.Challenge, registration.CredentialId, registration.ClientDataJson, registration.AttestationObject);

    /// <summary>navigator.credentials.create() answered with the given response; the result is not stored.</summary>
    public async Task<PasskeyAttestationResult> RegisterAsync(byte[] challenge, byte[] credentialId, byte[] clientDataJson, byte[] attestationObject)
    {
        await using var scope = _services.CreateAsyncScope();
        var handler = scope.ServiceProvider.GetRequiredService<IPasskeyHandler<IdpUser>>();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        var options = await handler.MakeCreationOptionsAsync(new PasskeyUserEntity { Id = User.Id, Name = "alice", DisplayName = "Alice" }, http);

        return await handler.PerformAttestationAsync(new PasskeyAttestationContext
        {
            HttpContext = http,
            CredentialJson = AttestationCredentialJson(credentialId, clientDataJson, attestationObject),
            AttestationState = WithChallenge(options.AttestationState, challenge),
        });
    }

    /// <summary>navigator.credentials.create()'s result as the browser script serializes it (toJSON()).</summary>
    private static string AttestationCredentialJson(byte[] credentialId, byte[] clientDataJson, byte[] attestationObject)
        => new JsonObject
        {
            ["id"] = Base64Url.EncodeToString(credentialId),
            ["rawId"] = Base64Url.EncodeToString(credentialId),
            ["type"] = "public-key",
            ["response"] = new JsonObject
            {
                ["clientDataJSON"] = Base64Url.EncodeToString(clientDataJson),
                ["attestationObject"] = Base64Url.EncodeToString(attestationObject),
                ["transports"] = new JsonArray("usb"),
            },
            ["clientExtensionResults"] = new JsonObject(),
        }.ToJsonString();

    /// <summary>Registers and stores the passkey on the user, failing the test if registration fails.</summary>
    public async Task<UserPasskeyInfo> EnrolAsync(W3cRegistration registration)
    {
        var result = await RegisterAsync(registration);
        Assert.True(result.Succeeded, result.Failure?.Message);
        await StoreAsync(result.Passkey);
        return result.Passkey;
    }

    /// <summary>
    /// Stores a credential registered by Identity's plain handler with no origin rule, so a test can reach IdP's
    /// sign-in checks with a credential IdP itself would not have registered (e.g. from a cross-origin frame).
    /// </summary>
    public async Task EnrolWithoutOriginCheckAsync(W3cRegistration registration)
    {
        await using var scope = _services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdpUser>>();
        var permissive = new PasskeyHandler<IdpUser>(users, Microsoft.Extensions.Options.Options.Create(new IdentityPasskeyOptions
        {
            ServerDomain = W3cTestVectors.RpId,
            UserVerificationRequirement = "preferred",
            ValidateOrigin = _ => ValueTask.FromResult(true),
        }));
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        var options = await permissive.MakeCreationOptionsAsync(new PasskeyUserEntity { Id = User.Id, Name = "alice", DisplayName = "Alice" }, http);
        var result = await permissive.PerformAttestationAsync(new PasskeyAttestationContext
        {
            HttpContext = http,
            CredentialJson = AttestationCredentialJson(registration.CredentialId, registration.ClientDataJson, registration.AttestationObject),
            AttestationState = WithChallenge(options.AttestationState, registration.Challenge),
        });
        Assert.True(result.Succeeded, result.Failure?.Message);
        await StoreAsync(result.Passkey);
    }

    public async Task StoreAsync(UserPasskeyInfo passkey)
    {
        await using var scope = _services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdpUser>>();
        var stored = await users.AddOrUpdatePasskeyAsync((await users.FindByIdAsync(User.Id))!, passkey);
        Assert.True(stored.Succeeded);
    }

    public Task<PasskeyAssertionResult<IdpUser>> AuthenticateAsync(W3cAuthentication authentication, byte[] credentialId)
        => AuthenticateAsync(authentication.Challenge, credentialId, authentication.ClientDataJson, authentication.AuthenticatorData, authentication.Signature);

    /// <summary>navigator.credentials.get() for the known user, answered with the given response.</summary>
    public async Task<PasskeyAssertionResult<IdpUser>> AuthenticateAsync(byte[] challenge, byte[] credentialId, byte[] clientDataJson, byte[] authenticatorData, byte[] signature)
    {
        await using var scope = _services.CreateAsyncScope();
        var handler = scope.ServiceProvider.GetRequiredService<IPasskeyHandler<IdpUser>>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdpUser>>();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        var options = await handler.MakeRequestOptionsAsync(await users.FindByIdAsync(User.Id), http);

        var credential = new JsonObject
        {
            ["id"] = Base64Url.EncodeToString(credentialId),
            ["rawId"] = Base64Url.EncodeToString(credentialId),
            ["type"] = "public-key",
            ["response"] = new JsonObject
            {
                ["clientDataJSON"] = Base64Url.EncodeToString(clientDataJson),
                ["authenticatorData"] = Base64Url.EncodeToString(authenticatorData),
                ["signature"] = Base64Url.EncodeToString(signature),
            },
            ["clientExtensionResults"] = new JsonObject(),
        };

        var result = await handler.PerformAssertionAsync(new PasskeyAssertionContext
        {
            HttpContext = http,
            CredentialJson = credential.ToJsonString(),
            AssertionState = WithChallenge(options.AssertionState, challenge),
        });

        if (result.Succeeded)
        {
            // As SignInManager.PasskeySignInAsync does: the new sign count and flags are saved.
            Assert.True((await users.AddOrUpdatePasskeyAsync(result.User, result.Passkey)).Succeeded);
        }

        return result;
    }

    public async Task<UserPasskeyInfo?> StoredPasskeyAsync(byte[] credentialId)
    {
        await using var scope = _services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdpUser>>();
        return await users.GetPasskeyAsync((await users.FindByIdAsync(User.Id))!, credentialId);
    }

    public T GetRequiredService<T>()
        where T : notnull
        => _services.GetRequiredService<T>();

    /// <summary>Identity's state is JSON with the challenge as base64; any other shape means Identity changed and the harness must follow.</summary>
    private static string WithChallenge(string? state, byte[] challenge)
    {
        var json = JsonNode.Parse(state ?? throw new InvalidOperationException("Identity returned no ceremony state."))!.AsObject();
        if (!json.ContainsKey("challenge"))
        {
            throw new InvalidOperationException($"Identity's ceremony state has no 'challenge' any more: {state}");
        }

        json["challenge"] = Convert.ToBase64String(challenge);
        return json.ToJsonString();
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        TestDatabase.Drop(_dataDirectory);
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A temporary folder; the OS cleans up what a lingering handle kept.
        }
    }
}

/// <summary>Keeps what <see cref="IdpPasskeyHandler"/> reports, where the server would log it.</summary>
public sealed class RecordingCloneSink : IPasskeyCloneDetectionSink
{
    private readonly List<PasskeyCloneSuspicion> _recorded = [];

    public IReadOnlyList<PasskeyCloneSuspicion> Recorded => _recorded;

    public Task RecordAsync(PasskeyCloneSuspicion suspicion, CancellationToken cancellationToken)
    {
        _recorded.Add(suspicion);
        return Task.CompletedTask;
    }
}
