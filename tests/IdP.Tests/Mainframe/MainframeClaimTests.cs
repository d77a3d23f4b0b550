using IdP.Server.Administration;
using IdP.Server.Mainframe;
using IdP.Tests.Clients;
using IdP.Tests.Infrastructure;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Mainframe;

/// <summary>The optional <c>mainframe</c> scope: the mapped user ID in access tokens, for resource servers that trust IdP.</summary>
public sealed class MainframeClaimTests : IDisposable
{
    private const string Registry = "idp.example.com";
    private readonly IdpFactory _idp = IdpFactory.On(IdpFactory.NewDataDirectory(),
        new Dictionary<string, string?> { ["Mainframe:TokenClaimRegistry"] = Registry });

    public void Dispose() => _idp.Dispose();

    private async Task<string> ServiceAsync(string clientId, string? mappedTo)
    {
        var secret = (await _idp.CreateClientAsync(new ClientSpec(clientId, ClientKind.Confidential, [GrantTypes.ClientCredentials], [], [], [MainframeOptions.Scope])))!;
        if (mappedTo is not null)
        {
            await ServiceClients.MapToMainframeUserAsync(_idp, clientId, Registry, mappedTo);
        }

        return secret;
    }

    private async Task<Microsoft.IdentityModel.JsonWebTokens.JsonWebToken> TokenAsync(string clientId, string secret, string? scope)
    {
        var response = (await new OidcClient(_idp.CreateClient(), clientId, secret).ClientCredentialsAsync(scope)).EnsureSuccess();
        return await TokenVerifier.VerifyAsync(await TokenVerifier.FetchJwksAsync(_idp.CreateClient()), response.AccessToken!, "at+jwt");
    }

    [Fact]
    public async Task with_the_mainframe_scope_a_mapped_service_token_carries_its_mainframe_user_id()
    {
        var secret = await ServiceAsync("batch", "BATCH01");

        var token = await TokenAsync("batch", secret, MainframeOptions.Scope);

        Assert.Equal("BATCH01", token.GetClaim(MainframeOptions.UserIdClaim).Value);
    }

    [Fact]
    public async Task without_the_scope_or_without_a_mapping_there_is_no_mainframe_claim()
    {
        var mapped = await ServiceAsync("quiet", "QUIET01");
        var unmapped = await ServiceAsync("stranger", null);

        Assert.False((await TokenAsync("quiet", mapped, null)).TryGetClaim(MainframeOptions.UserIdClaim, out _));
        Assert.False((await TokenAsync("stranger", unmapped, MainframeOptions.Scope)).TryGetClaim(MainframeOptions.UserIdClaim, out _));
    }
}
