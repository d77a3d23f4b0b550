using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace IdP.Tests.Infrastructure;

/// <summary>
/// A relying party as a test sees it: builds authorization requests, and calls the token, userinfo,
/// introspection and revocation endpoints over HTTP exactly as a real client library would.
/// </summary>
public sealed class OidcClient(
    HttpClient backChannel, string clientId, string? clientSecret = null, string redirectUri = OidcClient.DefaultRedirectUri,
    bool secretInBody = false)
{
    public const string DefaultRedirectUri = "https://app.example/callback";

    public string ClientId => clientId;
    public string RedirectUri => redirectUri;

    public string AuthorizeUrl(Pkce? pkce, string scope = "openid profile", string state = "state-1", params (string Name, string Value)[] extra)
    {
        var parameters = new Dictionary<string, string?>
        {
            ["client_id"] = clientId,
            ["response_type"] = "code",
            ["redirect_uri"] = redirectUri,
            ["scope"] = scope,
            ["state"] = state,
            ["nonce"] = "nonce-" + state,
        };
        if (pkce is not null)
        {
            parameters["code_challenge"] = pkce.Challenge;
            parameters["code_challenge_method"] = "S256";
        }

        foreach (var (name, value) in extra)
        {
            parameters[name] = value;
        }

        return QueryHelpers.AddQueryString("/connect/authorize", parameters);
    }

    public Task<TokenResponse> RedeemCodeAsync(string code, string? verifier)
        => PostTokenAsync(("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectUri), ("code_verifier", verifier));

    public Task<TokenResponse> RefreshAsync(string refreshToken)
        => PostTokenAsync(("grant_type", "refresh_token"), ("refresh_token", refreshToken));

    public Task<TokenResponse> ClientCredentialsAsync(string? scope = null)
        => PostTokenAsync(("grant_type", "client_credentials"), ("scope", scope));

    public async Task<TokenResponse> PostTokenAsync(params (string Name, string? Value)[] fields)
        => await SendAsync("/connect/token", fields);

    public async Task<TokenResponse> SendAsync(string endpoint, params (string Name, string? Value)[] fields)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint);
        var body = fields.Where(f => f.Value is not null).Select(f => KeyValuePair.Create(f.Name, f.Value!)).ToList();
        if (clientSecret is not null && secretInBody)
        {
            // RFC 6749 §2.3.1: client_secret_post.
            body.Add(KeyValuePair.Create("client_id", clientId));
            body.Add(KeyValuePair.Create("client_secret", clientSecret));
        }
        else if (clientSecret is not null)
        {
            // RFC 6749 §2.3.1: client_secret_basic, form-encoding the id and secret first.
            var credentials = Uri.EscapeDataString(clientId) + ":" + Uri.EscapeDataString(clientSecret);
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        }
        else
        {
            body.Add(KeyValuePair.Create("client_id", clientId));
        }

        request.Content = new FormUrlEncodedContent(body);
        using var response = await backChannel.SendAsync(request);
        return await TokenResponse.ReadAsync(response);
    }

    public async Task<(int Status, JsonElement Body)> UserInfoAsync(string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await backChannel.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default);
    }
}

/// <summary>A token endpoint answer: tokens on success, RFC 6749 §5.2 error fields otherwise.</summary>
public sealed record TokenResponse(int Status, JsonElement Json)
{
    public string? AccessToken => Get("access_token");
    public string? RefreshToken => Get("refresh_token");
    public string? IdToken => Get("id_token");
    public string? Error => Get("error");
    public string? ErrorDescription => Get("error_description");

    public string? Get(string name) => Json.ValueKind == JsonValueKind.Object && Json.TryGetProperty(name, out var value)
        ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.ToString()
        : null;

    public static async Task<TokenResponse> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return new TokenResponse((int)response.StatusCode, text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default);
    }

    public TokenResponse EnsureSuccess()
        => Status == 200 && AccessToken is not null
            ? this
            : throw new Xunit.Sdk.XunitException($"Token request failed ({Status}): {Error} {ErrorDescription}");
}
