using System.Security.Cryptography;
using IdP.Server.Administration;
using IdP.Tests.Infrastructure;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Protocol;

/// <summary>A service authenticates with a signed JWT instead of a shared secret (RFC 7523 §2.2, OIDC Core §9).</summary>
public sealed class PrivateKeyJwtTests(IdpFactory idp) : IClassFixture<IdpFactory>
{
    private async Task<RSA> RegisterAsync(string clientId)
    {
        var key = RSA.Create(2048);
        var secret = await idp.CreateClientAsync(new ClientSpec(clientId, ClientKind.Confidential, [GrantTypes.ClientCredentials], [], [], [],
            JsonWebKeySet: ClientAssertion.PublicJwks(key)));
        Assert.Null(secret);
        return key;
    }

    [Fact]
    public async Task a_service_with_a_registered_public_key_gets_a_token_with_a_signed_assertion()
    {
        using var key = await RegisterAsync("signed-service");

        var response = await ClientAssertion.RequestTokenAsync(idp.CreateClient(), "signed-service",
            ClientAssertion.Create(key, "signed-service", IdpFactory.Issuer));

        response.EnsureSuccess();
        var token = await TokenVerifier.VerifyAsync(await TokenVerifier.FetchJwksAsync(idp.CreateClient()), response.AccessToken!, "at+jwt");
        Assert.Equal("signed-service", token.Subject);
    }

    [Fact]
    public async Task an_assertion_signed_with_another_key_or_expired_is_refused()
    {
        using var key = await RegisterAsync("careful-service");
        using var otherKey = RSA.Create(2048);

        var forged = await ClientAssertion.RequestTokenAsync(idp.CreateClient(), "careful-service",
            ClientAssertion.Create(otherKey, "careful-service", IdpFactory.Issuer));
        Assert.Equal(Errors.InvalidClient, forged.Error);

        // Note: assertions get the usual few minutes of clock-skew tolerance (RFC 7523 §3 allows a small leeway).
        var expired = await ClientAssertion.RequestTokenAsync(idp.CreateClient(), "careful-service",
            ClientAssertion.Create(key, "careful-service", IdpFactory.Issuer, expires: DateTime.UtcNow.AddMinutes(-10)));
        Assert.Equal(Errors.InvalidClient, expired.Error);
    }
}
