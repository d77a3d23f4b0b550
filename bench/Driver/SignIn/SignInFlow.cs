using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace IdP.Bench.SignIn;

/// <summary>A confidential web application registered in IdP: what the sign-in scenario signs in to.</summary>
public sealed record WebClient(string ClientId, string Secret, string RedirectUri)
{
    /// <summary>RFC 6749 §2.3.1: client_secret_basic.</summary>
    public AuthenticationHeaderValue BasicAuthorization()
        => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(ClientId) + ":" + Uri.EscapeDataString(Secret))));
}

/// <summary>What the application got from the token endpoint.</summary>
public sealed record TokenSet(string AccessToken, string? RefreshToken, string? IdToken);

/// <summary>
/// Scenario (c): a person signs in to a web application, over HTTP exactly as a browser does it. Seven requests:
/// the authorization request (redirect to the login page), the login page, the password (redirect to the second
/// step), the second-step page, the TOTP code computed from the user's seed (redirect back to the authorization
/// endpoint), the authorization request again (redirect to the application with a code), and the application
/// redeeming the code with PKCE at the token endpoint.
/// </summary>
public sealed class SignInFlow(HttpClient http, Uri issuer, WebClient client, string password, byte[] totpSeed)
{
    public const string Scopes = "openid profile offline_access";

    public async Task<TokenSet> RunAsync(PoolUser user, CancellationToken cancellationToken)
    {
        var browser = new BrowserSession(http, issuer);
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var state = Base64Url(RandomNumberGenerator.GetBytes(16));
        var authorize = new Uri(issuer, QueryHelpers.AddQueryString("connect/authorize", new Dictionary<string, string?>
        {
            ["client_id"] = client.ClientId,
            ["response_type"] = "code",
            ["scope"] = Scopes,
            ["redirect_uri"] = client.RedirectUri,
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
            ["state"] = state,
            ["nonce"] = Base64Url(RandomNumberGenerator.GetBytes(16)),
        }));

        var loginPage = await browser.ExpectRedirectAsync(HttpMethod.Get, authorize, null, "authorize", cancellationToken);
        var login = await browser.ExpectFormAsync(loginPage, "Input.UserName", "login page", cancellationToken);
        var secondStep = await browser.ExpectRedirectAsync(HttpMethod.Post, login.Action,
            login.With(("Input.UserName", user.Name), ("Input.Password", password)), "password", cancellationToken);
        var codeForm = await browser.ExpectFormAsync(secondStep, "Code", "second-step page", cancellationToken);
        var back = await browser.ExpectRedirectAsync(HttpMethod.Post, codeForm.Action,
            codeForm.With(("Code", Totp.Code(totpSeed, user.ClaimedStep))), "TOTP code", cancellationToken);
        var callback = await browser.ExpectRedirectAsync(HttpMethod.Get, back, null, "authorize after sign-in", cancellationToken);

        if (!callback.ToString().StartsWith(client.RedirectUri, StringComparison.Ordinal))
        {
            throw new SignInStepException("authorize after sign-in", "did not return to the application");
        }

        var parameters = QueryHelpers.ParseQuery(callback.Query);
        if (!parameters.TryGetValue("code", out var code) || parameters["state"] != state)
        {
            throw new SignInStepException("authorize after sign-in", "no code, or the wrong state");
        }

        return await RedeemAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code.ToString(),
            ["redirect_uri"] = client.RedirectUri,
            ["code_verifier"] = verifier,
        }, "token", cancellationToken);
    }

    private async Task<TokenSet> RedeemAsync(Dictionary<string, string> form, string step, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(issuer, "connect/token")) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = client.BasicAuthorization();
        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new SignInStepException(step, $"{(int)response.StatusCode} {body}");
        }

        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        return new TokenSet(
            root.GetProperty("access_token").GetString()!,
            root.TryGetProperty("refresh_token", out var refresh) ? refresh.GetString() : null,
            root.TryGetProperty("id_token", out var id) ? id.GetString() : null);
    }

    private static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);
}
