using IdP.Server.Accounts;
using IdP.Server.Mfa.Passkeys;
using IdP.Server.Protocol;
using IdP.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IdP.Tests.Mfa.Passkeys;

/// <summary>Mfa:Passkeys is checked at start-up, with messages naming the setting, and defaults to Server:Issuer.</summary>
public sealed class PasskeyOptionsTests
{
    private static ServiceProvider Services(IDictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Server:Issuer"] = "https://idp.example.com/" })
            .AddInMemoryCollection(settings)
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOptions<IdpServerOptions>().Bind(configuration.GetSection(IdpServerOptions.SectionName));
        services.AddIdpPasskeys(configuration);
        return services.BuildServiceProvider();
    }

    private static string ValidationFailure(IDictionary<string, string?> settings)
    {
        using var services = Services(settings);
        return Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<PasskeyOptions>>().Value).Message;
    }

    [Fact]
    public void by_default_passkeys_are_scoped_to_the_issuer_host_and_origin()
    {
        using var services = Services(new Dictionary<string, string?>());

        var relyingParty = services.GetRequiredService<PasskeyRelyingParty>();
        var identity = services.GetRequiredService<IOptions<IdentityPasskeyOptions>>().Value;

        Assert.Equal("idp.example.com", relyingParty.ServerDomain);
        Assert.Equal(["https://idp.example.com"], relyingParty.AllowedOrigins);
        Assert.Equal("idp.example.com", identity.ServerDomain);
        Assert.Equal("required", identity.UserVerificationRequirement);
        Assert.Null(identity.VerifyAttestationStatement);
        Assert.True(relyingParty.IsAllowedOrigin("https://IDP.example.com:443"));
        Assert.False(relyingParty.IsAllowedOrigin("https://idp.example.com:8443"));
        Assert.False(relyingParty.IsAllowedOrigin("http://idp.example.com"));
        Assert.False(relyingParty.IsAllowedOrigin("https://evil.example.com"));
    }

    [Fact]
    public void a_parent_domain_may_serve_as_relying_party_id_for_several_origins()
    {
        using var services = Services(new Dictionary<string, string?>
        {
            ["Mfa:Passkeys:ServerDomain"] = "example.com",
            ["Mfa:Passkeys:AllowedOrigins:0"] = "https://idp.example.com",
            ["Mfa:Passkeys:AllowedOrigins:1"] = "https://login.example.com:8443",
        });

        var relyingParty = services.GetRequiredService<PasskeyRelyingParty>();

        Assert.Equal("example.com", relyingParty.ServerDomain);
        Assert.True(relyingParty.IsAllowedOrigin("https://login.example.com:8443"));
    }

    [Theory]
    [InlineData("Mfa:Passkeys:ServerDomain", "example.org", "must be the host of the origin 'https://idp.example.com' or a parent domain")]
    [InlineData("Mfa:Passkeys:ServerDomain", "https://idp.example.com", "Mfa:Passkeys:ServerDomain 'https://idp.example.com' must be a bare host name")]
    [InlineData("Mfa:Passkeys:AllowedOrigins:0", "http://idp.example.com", "must use https")]
    [InlineData("Mfa:Passkeys:AllowedOrigins:0", "https://idp.example.com/login", "must be an origin")]
    [InlineData("Mfa:Passkeys:UserVerification", "always", "Mfa:Passkeys:UserVerification must be required, preferred or discouraged")]
    [InlineData("Mfa:Passkeys:Attestation", "Required", "no trusted root is configured")]
    [InlineData("Mfa:Passkeys:TrustedRootCertificates:0", "bm90IGEgY2VydGlmaWNhdGU=", "Mfa:Passkeys:TrustedRootCertificates:0 is not a base64 DER certificate")]
    [InlineData("Mfa:Passkeys:TrustedRootCertificateFiles:0", "/nonexistent/root.pem", "Mfa:Passkeys:TrustedRootCertificateFiles:0 '/nonexistent/root.pem' cannot be read")]
    [InlineData("Mfa:Passkeys:AllowedAaguids:0", "cb69481e-8ff7-4039-93ec-0a2729a154a8", "AllowedAaguids needs Mfa:Passkeys:Attestation = Required")]
    public void an_invalid_setting_fails_validation_with_a_message_naming_it(string key, string value, string expected)
    {
        var message = ValidationFailure(new Dictionary<string, string?> { [key] = value });

        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    [Fact]
    public void an_aaguid_that_is_not_32_hex_digits_fails_validation()
    {
        var message = ValidationFailure(new Dictionary<string, string?>
        {
            ["Mfa:Passkeys:Attestation"] = "required",
            ["Mfa:Passkeys:TrustedRootCertificates:0"] = Convert.ToBase64String(W3cTestVectors.AttestationRootCertificate()),
            ["Mfa:Passkeys:AllowedAaguids:0"] = "yubikey-5",
        });

        Assert.Contains("Mfa:Passkeys:AllowedAaguids:0 'yubikey-5' must be an AAGUID", message, StringComparison.Ordinal);
    }

    [Fact]
    public void localhost_may_use_http_as_browsers_treat_it_as_a_secure_context()
    {
        using var services = Services(new Dictionary<string, string?> { ["Server:Issuer"] = "http://localhost:5000/" });

        var relyingParty = services.GetRequiredService<PasskeyRelyingParty>();

        Assert.Equal("localhost", relyingParty.ServerDomain);
        Assert.Equal(["http://localhost:5000"], relyingParty.AllowedOrigins);
    }

    [Fact]
    public async Task add_idp_passkeys_after_add_idp_accounts_replaces_identitys_handler_in_the_real_host()
    {
        using var idp = new IdpFactory();
        using var withPasskeys = idp.WithWebHostBuilder(builder =>
            builder.ConfigureServices((context, services) => services.AddIdpPasskeys(context.Configuration)));

        var (handler, identity) = await Task.Run(() =>
        {
            using var scope = withPasskeys.Services.CreateScope();
            return (scope.ServiceProvider.GetRequiredService<IPasskeyHandler<IdpUser>>(),
                scope.ServiceProvider.GetRequiredService<IOptions<IdentityPasskeyOptions>>().Value);
        });

        Assert.IsType<IdpPasskeyHandler>(handler);
        Assert.Equal("localhost", identity.ServerDomain); // from the factory's issuer, http://localhost/
        Assert.NotNull(identity.ValidateOrigin);
        Assert.True(await identity.ValidateOrigin!(new PasskeyOriginValidationContext
        {
            HttpContext = new Microsoft.AspNetCore.Http.DefaultHttpContext(),
            Origin = "http://localhost",
            CrossOrigin = false,
        }));
    }
}
