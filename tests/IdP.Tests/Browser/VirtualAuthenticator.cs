using System.Text.Json;
using Microsoft.Playwright;

namespace IdP.Tests.Browser;

/// <summary>
/// Chromium's virtual WebAuthn authenticator over CDP (<c>WebAuthn.addVirtualAuthenticator</c>): a CTAP2 platform
/// authenticator with resident keys and user verification, as a laptop's or phone's built-in passkey provider.
/// </summary>
public sealed class VirtualAuthenticator
{
    private readonly ICDPSession _cdp;
    private readonly string _id;

    private VirtualAuthenticator(ICDPSession cdp, string id)
    {
        _cdp = cdp;
        _id = id;
    }

    public static async Task<VirtualAuthenticator> AttachAsync(IPage page)
    {
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("WebAuthn.enable");
        var added = await cdp.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2",
                ["transport"] = "internal",
                ["hasResidentKey"] = true,
                ["hasUserVerification"] = true,
                ["isUserVerified"] = true,
                ["automaticPresenceSimulation"] = true,
            },
        });
        return new VirtualAuthenticator(cdp, added!.Value.GetProperty("authenticatorId").GetString()!);
    }

    /// <summary>The credentials the authenticator holds (id, rpId, signCount, private key…).</summary>
    public async Task<IReadOnlyList<JsonElement>> CredentialsAsync()
    {
        var result = await _cdp.SendAsync("WebAuthn.getCredentials", new Dictionary<string, object> { ["authenticatorId"] = _id });
        return [.. result!.Value.GetProperty("credentials").EnumerateArray().Select(c => c.Clone())];
    }

    /// <summary>Replaces a credential with a copy whose signature counter is set back: what a cloned key looks like.</summary>
    public async Task RewindSignCountAsync(JsonElement credential, int signCount)
    {
        var copy = JsonSerializer.Deserialize<Dictionary<string, object>>(credential.GetRawText())!;
        copy["signCount"] = signCount;
        await _cdp.SendAsync("WebAuthn.removeCredential", new Dictionary<string, object>
        {
            ["authenticatorId"] = _id,
            ["credentialId"] = credential.GetProperty("credentialId").GetString()!,
        });
        await _cdp.SendAsync("WebAuthn.addCredential", new Dictionary<string, object> { ["authenticatorId"] = _id, ["credential"] = copy });
    }
}
